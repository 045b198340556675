/**
 * Reading the response (spec §5.2, §10): the URL the browser arrived at must
 * be absolute; with a fixed provider its fields are screened before anything
 * else reads them; and the `openid.*` message comes from the POSTed body
 * when there is one — then the query may not carry `openid.*` fields too
 * (which half would be the answer?) — else from the query.
 */
import { OpenIDError } from '../../protocol/errors.js';
import { formPairs } from '../../protocol/form-pairs.js';
import { type ArgsInput, Message } from '../../protocol/message.js';
import { type FixedProvider, type ResponseBody, screenFixedProviderFields } from '../fixed-provider.js';
import { pass, refuse, type Verdict } from './verdict.js';

/** A response read: where it arrived and what it says. */
export interface ArrivedResponse {
  /** The URL the response arrived at. */
  readonly url: URL;
  /** Its `openid.*` message. */
  readonly message: Message;
  /**
   * The URL's query as name/value pairs, read once: the message and the §11.1
   * return_to check both need it, and reading it was the largest cost of a login.
   */
  readonly query: readonly (readonly [string, string])[];
}

/** The URL the response arrived at, parsed; refused when it is not absolute. */
export function currentUrlOf(currentUrl: string): Verdict<URL> {
  try {
    return pass(new URL(currentUrl));
  } catch {
    return refuse('malformed_message', 'the current URL is not an absolute URL');
  }
}

/**
 * The response message, from `body` when there is one, else from the query.
 * A namespace error is `ns_mismatch`, any other malformation `malformed_message`.
 */
export function parseResponse(
  url: URL,
  body: ResponseBody,
  query: readonly (readonly [string, string])[] = formPairs(url.search),
): Verdict<Message> {
  try {
    if (body !== undefined && body !== null) {
      for (const [k] of query) {
        if (k.startsWith('openid.'))
          return refuse('malformed_message', 'openid.* fields in both the query and the body');
      }
      const args: ArgsInput = typeof body === 'string' ? new URLSearchParams(body) : body;
      return pass(Message.fromPostArgs(args));
    }
    return pass(Message.fromPostArgs(query));
  } catch (e) {
    if (e instanceof OpenIDError)
      return refuse(e.code === 'ns_invalid' ? 'ns_mismatch' : 'malformed_message', e.message);
    throw e;
  }
}

/** The reading rules in order: the URL, the fixed provider's screening (when there is one), the message. */
export function readResponse(
  currentUrl: string,
  body: ResponseBody,
  fixed: FixedProvider | null,
): Verdict<ArrivedResponse> {
  const url = currentUrlOf(currentUrl);
  if (!url.ok) return url;
  if (fixed) {
    const screened = screenFixedProviderFields(fixed, url.value, body);
    if (!screened.ok) return screened;
  }
  const query = formPairs(url.value.search);
  const message = parseResponse(url.value, body, query);
  return message.ok ? pass({ url: url.value, message: message.value, query }) : message;
}
