/** What the demo site tells a person whose sign-in failed: a sentence to act on; the code stays as the detail. */

/** A sentence a person can act on, for each way a sign-in can fail. */
export function humanFailure(code: string): string {
  switch (code) {
    case 'missing_identifier':
      return 'Type your OpenID (the address of your identity page) first.';
    case 'fetch_failed':
    case 'fetch_timeout':
    case 'too_many_redirects':
      return 'We could not reach that address. Check it for typing errors, or try again later.';
    case 'fetch_blocked':
      return 'That address is on a private network, which this site may not contact.';
    case 'fetch_invalid_url':
    case 'identifier_invalid':
      return 'That does not look like an OpenID. Type a web address such as example.com/yourname.';
    case 'no_openid_service':
    case 'not_discoverable':
      return 'That page does not say where to sign in: it is not an OpenID.';
    case 'form_expired':
      return 'The form expired; please try again.';
    case 'cancel':
      return 'You cancelled at your provider. Nothing was shared.';
    case 'setup_needed':
      return 'Your provider needs you to sign in there first.';
    case 'unsolicited_rejected':
    case 'state_expired':
      return 'This sign-in was not started here, or it took too long. Please start again.';
    case 'state_used':
      return 'That sign-in was finished already. Start again if you are not signed in.';
    default:
      return 'Sign-in did not work. Please start again; if it keeps failing, the detail below helps the site owner.';
  }
}
