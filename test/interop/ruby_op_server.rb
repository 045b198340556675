# ruby-openid's provider (OpenID::Server::Server) on 127.0.0.1, for interop tests.
#
# Run with /usr/bin/ruby (Debian's ruby-openid and ruby-webrick). Prints one
# JSON line {"port": N} on stdout once listening, then serves until stdin closes.
#
# Routes:
#   /op          the OpenID endpoint (GET or POST)
#   /id/NAME     identity page: XRDS (2.0 signon) when the Accept header asks for it, else HTML
#   /html/NAME   identity page as HTML only (openid2.provider link), whatever is asked
#   /id1/NAME    OpenID 1.1 identity page (HTML, openid.server only)
#   /deleg/NAME  HTML claimed identifier delegating to the OP-local identifier /id/NAME (2.0 and 1.1 links)
#   /deleg1/NAME the same for OpenID 1.1 only (openid.server and openid.delegate)
#   /yadis/NAME  HTML naming its XRDS document in an X-XRDS-Location header (Yadis §6.2.5)
#   /xrds/NAME   that XRDS document
#   /            OP identifier XRDS (2.0 server, for identifier_select)
#   POST /control  JSON {"decision": "allow"|"deny", "user": NAME,
#                        "sreg": {field: value}, "ax": {type_uri: [values]},
#                        "association": [assoc_type, session_type] | null,
#                        "forget_association": HANDLE}
#                  "association" allows only that pair (null: ruby-openid's default list);
#                  "forget_association" drops that shared handle, as if it had expired there
#   GET /log     JSON list of the requests the endpoint saw, in order
require 'json'
require 'uri'
require 'webrick'
require 'openid'
require 'openid/store/memory'
require 'openid/extensions/sreg'
require 'openid/extensions/ax'

XRDS = <<~XML
  <?xml version="1.0" encoding="UTF-8"?>
  <xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
  <XRD><Service priority="0"><Type>%<type>s</Type><URI>%<uri>s</URI></Service></XRD>
  </xrds:XRDS>
XML
SIGNON_2 = 'http://specs.openid.net/auth/2.0/signon'
SERVER_2 = 'http://specs.openid.net/auth/2.0/server'

STATE = { 'decision' => 'allow', 'user' => 'alice', 'sreg' => {}, 'ax' => {} }
LOG = []
LOCK = Mutex.new

# Answer the SReg and AX requests the RP made, from the configured data.
def add_extensions(request, response)
  sreg_request = OpenID::SReg::Request.from_openid_request(request)
  if sreg_request&.were_fields_requested?
    response.add_extension(OpenID::SReg::Response.extract_response(sreg_request, STATE['sreg']))
  end
  ax_request = OpenID::AX::FetchRequest.from_openid_request(request)
  return unless ax_request

  ax_response = OpenID::AX::FetchResponse.new
  ax_request.requested_types.each do |type_uri|
    (STATE['ax'][type_uri] || []).each { |value| ax_response.add_value(type_uri, value) }
  end
  response.add_extension(ax_response)
end

def form_args(text)
  URI.decode_www_form(text || '').to_h
end

def reply(res, code, body, content_type = 'text/plain', headers = {})
  res.status = code
  res['Content-Type'] = content_type
  headers.each { |k, v| res[k] = v }
  res.body = body
end

def web(res, web_response)
  res.status = web_response.code
  (web_response.headers || {}).each { |k, v| res[k] = v }
  res.body = web_response.body || ''
end

def openid(server, res, base, query)
  request = server.decode_request(query)
  return reply(res, 200, 'OpenID endpoint') if request.nil?

  entry = { 'mode' => request.mode, 'ns' => request.message.get_openid_namespace }
  if request.is_a?(OpenID::Server::AssociateRequest)
    entry['assoc_type'] = request.assoc_type
    entry['session_type'] = request.session.session_type
  end
  LOCK.synchronize { LOG << entry }
  if request.is_a?(OpenID::Server::CheckIDRequest)
    if STATE['decision'] == 'allow'
      identity = request.id_select ? "#{base}/id/#{STATE['user']}" : nil
      response = request.answer(true, nil, identity)
      add_extensions(request, response)
    else
      response = request.answer(false)
    end
  else
    response = server.handle_request(request)
  end
  web(res, server.encode_response(response))
rescue OpenID::Server::ProtocolError => e
  LOCK.synchronize { LOG << { 'mode' => query['openid.mode'], 'error' => e.to_s } }
  web(res, server.encode_response(e))
end

def route(server, req, res, base)
  path = req.path
  endpoint = "#{base}/op"
  query = form_args(req.query_string)
  query.update(form_args(req.body)) if req.request_method == 'POST'
  wants_xrds = (req['Accept'] || '').include?('application/xrds+xml')
  name = path.split('/', 3)[2]
  links = %(<link rel="openid2.provider" href="#{endpoint}">)
  case path
  when '/op' then openid(server, res, base, query)
  when '/log' then reply(res, 200, JSON.generate(LOCK.synchronize { LOG.dup }), 'application/json')
  when '/' then reply(res, 200, format(XRDS, type: SERVER_2, uri: endpoint), 'application/xrds+xml')
  when %r{\A/id/} then
    if wants_xrds
      reply(res, 200, format(XRDS, type: SIGNON_2, uri: endpoint), 'application/xrds+xml')
    else
      reply(res, 200, "<html><head>#{links}</head></html>", 'text/html')
    end
  when %r{\A/html/} then reply(res, 200, "<html><head>#{links}</head></html>", 'text/html')
  when %r{\A/deleg/} then
    local = "#{base}/id/#{name}"
    reply(res, 200, %(<html><head>#{links}<link rel="openid2.local_id" href="#{local}">) +
      %(<link rel="openid.server" href="#{endpoint}"><link rel="openid.delegate" href="#{local}"></head></html>),
          'text/html')
  when %r{\A/deleg1/} then
    reply(res, 200, %(<html><head><link rel="openid.server" href="#{endpoint}">) +
      %(<link rel="openid.delegate" href="#{base}/id/#{name}"></head></html>), 'text/html')
  when %r{\A/id1/} then
    reply(res, 200, %(<html><head><link rel="openid.server" href="#{endpoint}"></head></html>), 'text/html')
  when %r{\A/yadis/} then
    reply(res, 200, '<html><head></head></html>', 'text/html', 'X-XRDS-Location' => "#{base}/xrds/#{name}")
  when %r{\A/xrds/} then reply(res, 200, format(XRDS, type: SIGNON_2, uri: endpoint), 'application/xrds+xml')
  else reply(res, 404, 'not found')
  end
end

def control(server, req, res)
  config = JSON.parse(req.body || '{}')
  handle = config.delete('forget_association')
  server.signatory.invalidate(handle, false) if handle
  if config.key?('association')
    pair = config.delete('association')
    server.negotiator = pair ? OpenID::AssociationNegotiator.new([pair]) : OpenID::DefaultNegotiator.copy
  end
  STATE.update(config)
  reply(res, 200, 'ok')
end

def main
  OpenID::Util.logger = Logger.new($stderr, level: Logger::WARN)
  httpd = WEBrick::HTTPServer.new(
    BindAddress: '127.0.0.1', Port: 0,
    Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN), AccessLog: []
  )
  port = httpd.listeners.first.addr[1]
  base = "http://127.0.0.1:#{port}"
  server = OpenID::Server::Server.new(OpenID::Store::Memory.new, "#{base}/op")
  httpd.mount_proc('/') do |req, res|
    if req.path == '/control' && req.request_method == 'POST'
      control(server, req, res)
    else
      route(server, req, res, base)
    end
  end
  Thread.new { httpd.start }
  $stdout.puts(JSON.generate({ 'port' => port }))
  $stdout.flush
  $stdin.read # the test closes stdin (or dies) to stop us
  httpd.shutdown
end

main
