"""python-openid's provider (openid.server.server.Server) on 127.0.0.1, for interop tests.

Run with /usr/bin/python3 (Debian's python3-openid). Prints one JSON line
{"port": N} on stdout once listening, then serves until stdin closes.

Routes:
  /op          the OpenID endpoint (GET or POST)
  /id/NAME     identity page: XRDS (2.0 signon) when asked for it, else HTML
               naming the endpoint for 2.0 and 1.1
  /id1/NAME    OpenID 1.1 identity page (HTML, openid.server only)
  /deleg/NAME  claimed identifier delegating to the OP-local identifier /id/NAME
  /redir/NAME  redirects to /id/NAME
  /multi/NAME  XRDS listing a dead endpoint (priority 0, "dead_endpoint") and /op (priority 10)
  /            OP identifier XRDS (2.0 server, for identifier_select)
  POST /control  JSON {"decision": "allow"|"deny", "user": NAME,
                       "sreg": {field: value}, "ax": {type_uri: [values]},
                       "pape": {"auth_policies": [...], "auth_time": "...",
                                "auth_levels": {uri: level}},
                 "forget_association": HANDLE,
                 "association": [assoc_type, session_type] | null,
                 "dead_endpoint": URL,
                 "quirk": "unusable-suggestion" | null}
               quirk "unusable-suggestion": an HMAC-SHA256 associate request gets
               unsupported-type suggesting HMAC-SHA256 over DH-SHA1 (as
               Net::OpenID::Server does); HMAC-SHA1 is answered normally
  GET /log     JSON list of the requests the endpoint saw, in order
"""
import json
import shutil
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from openid.association import SessionNegotiator, default_negotiator
from openid.extensions import ax, sreg
from openid.extensions.draft import pape5
from openid.server.server import CheckIDRequest, ProtocolError, Server
from openid.store.filestore import FileOpenIDStore

XRDS = """<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
<XRD><Service priority="0"><Type>{type}</Type><URI>{uri}</URI></Service></XRD>
</xrds:XRDS>
"""
SIGNON_2 = "http://specs.openid.net/auth/2.0/signon"
SERVER_2 = "http://specs.openid.net/auth/2.0/server"

state = {"decision": "allow", "user": "alice", "sreg": {}, "ax": {}, "pape": None,
         "dead_endpoint": "http://127.0.0.1:9/op", "quirk": None}
XRDS_TWO = """<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
<XRD>
<Service priority="10"><Type>{type}</Type><URI>{live}</URI></Service>
<Service priority="0"><Type>{type}</Type><URI>{dead}</URI></Service>
</XRD>
</xrds:XRDS>
"""
log = []


def add_extensions(request, response):
    """Answer the SReg / AX / PAPE requests the RP made, from the configured data."""
    sreg_request = sreg.SRegRequest.fromOpenIDRequest(request)
    if sreg_request.wereFieldsRequested():
        response.addExtension(sreg.SRegResponse.extractResponse(sreg_request, state["sreg"]))
    if request.message.isOpenID2():
        ax_request = ax.FetchRequest.fromOpenIDRequest(request)
        if ax_request is not None:
            ax_response = ax.FetchResponse(ax_request)
            for type_uri in ax_request.requested_attributes:
                for value in state["ax"].get(type_uri, []):
                    ax_response.addValue(type_uri, value)
            response.addExtension(ax_response)
        pape_request = pape5.Request.fromOpenIDRequest(request)
        if pape_request is not None and state["pape"] is not None:
            p = state["pape"]
            response.addExtension(
                pape5.Response(
                    auth_policies=list(p.get("auth_policies", [])),
                    auth_time=p.get("auth_time"),
                    auth_levels=p.get("auth_levels"),
                ))


class Handler(BaseHTTPRequestHandler):
    server_version = "python-openid-interop"

    def log_message(self, fmt, *args):  # keep the test output clean
        pass

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def send(self, code, body, content_type="text/plain", headers=None):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.route(dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        if urlsplit(self.path).path == "/control":
            config = json.loads(raw)
            handle = config.pop("forget_association", None)
            if handle:  # as if the provider lost it: it must then sign statelessly and invalidate it
                signatory = self.server.openid.signatory
                signatory.store.removeAssociation(signatory._normal_key, handle)
            if "association" in config:  # [assoc_type, session_type] only, or null for the default list
                pair = config.pop("association")
                self.server.openid.negotiator = (SessionNegotiator([tuple(pair)])
                                                 if pair else default_negotiator.copy())
            state.update(config)
            return self.send(200, "ok")
        self.route(dict(parse_qsl(raw, keep_blank_values=True)))

    def route(self, query):
        path = urlsplit(self.path).path
        endpoint = self.base() + "/op"
        wants_xrds = "application/xrds+xml" in (self.headers.get("Accept") or "")
        if path == "/op":
            return self.openid(query)
        if path == "/log":
            return self.send(200, json.dumps(log), "application/json")
        if path == "/":
            return self.send(200, XRDS.format(type=SERVER_2, uri=endpoint), "application/xrds+xml")
        if path.startswith("/id/") and wants_xrds:
            return self.send(200, XRDS.format(type=SIGNON_2, uri=endpoint), "application/xrds+xml")
        if path.startswith("/id/"):
            links = '<link rel="openid2.provider" href="%s"><link rel="openid.server" href="%s">' % (
                endpoint, endpoint)
            return self.send(200, "<html><head>%s</head></html>" % links, "text/html")
        if path.startswith("/multi/"):  # a dead priority-0 endpoint before the live one
            return self.send(200, XRDS_TWO.format(type=SIGNON_2, live=endpoint, dead=state["dead_endpoint"]),
                             "application/xrds+xml")
        if path.startswith("/redir/"):  # an identifier that redirects: the claimed id becomes /id/NAME (§7.2)
            return self.send(302, "", headers={"Location": self.base() + "/id/" + path[len("/redir/"):]})
        if path.startswith("/deleg/"):  # claimed id delegating to the local id /id/NAME
            local = self.base() + "/id/" + path[len("/deleg/"):]
            links = ('<link rel="openid2.provider" href="%s"><link rel="openid2.local_id" href="%s">'
                     '<link rel="openid.server" href="%s"><link rel="openid.delegate" href="%s">') % (
                         endpoint, local, endpoint, local)
            return self.send(200, "<html><head>%s</head></html>" % links, "text/html")
        if path.startswith("/id1/"):
            return self.send(200, '<html><head><link rel="openid.server" href="%s"></head></html>' % endpoint,
                             "text/html")
        self.send(404, "not found")

    def openid(self, query):
        server = self.server.openid
        try:
            request = server.decodeRequest(query)
        except ProtocolError as e:
            log.append({"mode": query.get("openid.mode"), "error": str(e)})
            return self.web(server.encodeResponse(e))
        if request is None:
            return self.send(200, "OpenID endpoint")
        entry = {"mode": request.mode, "ns": request.message.getOpenIDNamespace()}
        if request.mode == "associate":
            entry.update(assoc_type=request.assoc_type, session_type=request.session.session_type)
        log.append(entry)
        if (request.mode == "associate" and state["quirk"] == "unusable-suggestion"
                and request.assoc_type == "HMAC-SHA256"):
            return self.web(server.encodeResponse(request.answerUnsupported(
                "HMAC-SHA256 only over DH-SHA1", preferred_association_type="HMAC-SHA256",
                preferred_session_type="DH-SHA1")))
        if isinstance(request, CheckIDRequest):
            if state["decision"] == "allow":
                identity = self.base() + "/id/" + state["user"] if request.idSelect() else None
                response = request.answer(True, identity=identity)
                add_extensions(request, response)
            else:
                response = request.answer(False)
        else:
            response = server.handleRequest(request)
        self.web(server.encodeResponse(response))

    def web(self, web):
        self.send(web.code, web.body, headers=web.headers)


def main():
    store_dir = tempfile.mkdtemp(prefix="python-openid-op-")
    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = httpd.server_address[1]
        httpd.openid = Server(FileOpenIDStore(store_dir), op_endpoint="http://127.0.0.1:%d/op" % port)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        print(json.dumps({"port": port}), flush=True)
        sys.stdin.read()  # the test closes stdin (or dies) to stop us
        httpd.shutdown()
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
