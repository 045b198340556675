# ruby-openid's consumer (OpenID::Consumer), driven step by step, for interop tests.
#
# Run with /usr/bin/ruby (Debian's ruby-openid):
#
#   ruby_rp_driver.rb '{"stateless": false, "associations": [["HMAC-SHA256", "DH-SHA256"]]}'
#
# "stateless" uses no store (every assertion checked by check_authentication);
# otherwise an in-memory store (associations and nonces), asking for the
# association type / session type pairs given, in order of preference
# (ruby-openid's default list when absent). The driver then reads one JSON
# command per line on stdin and writes one JSON answer per line on stdout:
#
#   {"cmd": "begin", "identifier": URL, "realm": URL, "return_to": URL, "immediate": bool,
#    "sreg": {"required": [...], "optional": [...]},
#    "ax": [{"type": URI, "required": bool, "count": N | "unlimited"}]}
#     -> {"redirect_url": URL, "form_html": the same request as a POST form, "openid1": bool}
#   {"cmd": "complete", "url": URL the browser arrived at, "body": form body or null}
#     -> {"status": "success"|"failure"|"cancel"|"setup_needed", "identity_url",
#         "message", "setup_url", "signed_fields", "sreg": {...}, "ax": {type: [values]}}
#   A command that raises answers {"error": text}.
require 'json'
require 'logger'
require 'uri'
require 'openid'
require 'openid/store/memory'
require 'openid/extensions/sreg'
require 'openid/extensions/ax'

# The consumer with its association preference: ruby-openid reads it from a
# protected method, so a subclass is the way to choose it.
class DrivenConsumer < OpenID::Consumer
  def initialize(session, store, pairs)
    super(session, store)
    @negotiator = pairs ? OpenID::AssociationNegotiator.new(pairs) : OpenID::DefaultNegotiator
  end

  protected

  def negotiator
    @negotiator
  end
end

def begin_login(consumer, cmd)
  auth = consumer.begin(cmd['identifier'])
  if cmd['sreg']
    s = cmd['sreg']
    auth.add_extension(OpenID::SReg::Request.new(s['required'], s['optional']))
  end
  if cmd['ax']
    fetch = OpenID::AX::FetchRequest.new
    cmd['ax'].each do |a|
      fetch.add(OpenID::AX::AttrInfo.new(a['type'], nil, a['required'] || false, a['count'] || 1))
    end
    auth.add_extension(fetch)
  end
  args = [cmd['realm'], cmd['return_to'], cmd['immediate'] || false]
  {
    'redirect_url' => auth.redirect_url(*args),
    'form_html' => auth.form_markup(*args),
    'openid1' => auth.endpoint.compatibility_mode
  }
end

def complete_login(consumer, cmd)
  # Every argument, empty or not, as a web framework would hand them over.
  query = URI.decode_www_form(URI.parse(cmd['url']).query || '').to_h
  query.update(URI.decode_www_form(cmd['body']).to_h) if cmd['body']
  response = consumer.complete(query, cmd['url'])
  out = { 'status' => response.status.to_s, 'identity_url' => response.identity_url }
  out['message'] = response.message if response.status == OpenID::Consumer::FAILURE
  out['setup_url'] = response.setup_url if response.status == OpenID::Consumer::SETUP_NEEDED
  if response.status == OpenID::Consumer::SUCCESS
    out['signed_fields'] = response.signed_fields
    sreg = OpenID::SReg::Response.from_success_response(response)
    out['sreg'] = sreg&.data
    ax = OpenID::AX::FetchResponse.from_success_response(response)
    out['ax'] = ax && ax.data.to_h { |k, v| [k, v.to_a] }
  end
  out
end

def main
  OpenID::Util.logger = Logger.new($stderr)
  config = ARGV[0] ? JSON.parse(ARGV[0]) : {}
  store = config['stateless'] ? nil : OpenID::Store::Memory.new
  session = {} # lives as long as this process
  $stdin.each_line do |line|
    next if line.strip.empty?

    cmd = JSON.parse(line)
    # A fresh consumer per step, as in a web application; the session and store carry the state.
    consumer = DrivenConsumer.new(session, store, config['associations'])
    out = begin
      cmd['cmd'] == 'begin' ? begin_login(consumer, cmd) : complete_login(consumer, cmd)
    rescue StandardError => e # report, keep serving: the test decides what it means
      { 'error' => "#{e.class}: #{e.message}" }
    end
    $stdout.puts(JSON.generate(out))
    $stdout.flush
  end
end

main
