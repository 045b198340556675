"""python-openid's consumer (openid.consumer.consumer.Consumer), driven step by step, for interop tests.

Run with /usr/bin/python3 (Debian's python3-openid):

  rp_driver.py '{"stateless": false, "associations": [["HMAC-SHA256", "DH-SHA256"]]}'

"stateless" uses no store (check_authentication); otherwise a FileOpenIDStore in a
temporary directory, with the association type / session type pairs given, in
order of preference (python-openid's default list when absent). The
driver then reads one JSON command per line on stdin and writes one JSON answer
per line on stdout:

  {"cmd": "begin", "identifier": URL, "realm": URL, "return_to": URL, "immediate": bool, "anonymous": bool,
   "sreg": {"required": [...], "optional": [...], "policy_url": URL, "ns": SReg namespace URI},
   "ax": [{"type": URI, "required": bool, "count": N}],
   "pape": {"preferred_auth_policies": [...], "max_auth_age": N}}
    -> {"redirect_url": URL, "form_html": the same request as a POST form, "openid1": bool}
  {"cmd": "complete", "url": URL the browser arrived at, "body": form body or null}
    -> {"status": ..., "identity_url", "message", "setup_url", "signed_fields",
        "sreg": {...}, "ax": {type: [values]}, "pape": {...}}
  A command that raises answers {"error": text}.
"""
import json
import shutil
import sys
import tempfile
from urllib.parse import parse_qsl, urlsplit

from openid.consumer.consumer import Consumer
from openid.extensions import ax, sreg
from openid.extensions.draft import pape5
from openid.store.filestore import FileOpenIDStore


def begin(consumer, cmd):
    auth = consumer.begin(cmd["identifier"], anonymous=cmd.get("anonymous", False))
    if "sreg" in cmd:
        s = cmd["sreg"]
        auth.addExtension(
            sreg.SRegRequest(required=s.get("required"), optional=s.get("optional"),
                             policy_url=s.get("policy_url"), sreg_ns_uri=s.get("ns", sreg.ns_uri)))
    if "ax" in cmd:
        fetch = ax.FetchRequest()
        for a in cmd["ax"]:
            fetch.add(ax.AttrInfo(a["type"], count=a.get("count", 1), required=a.get("required", False)))
        auth.addExtension(fetch)
    if "pape" in cmd:
        p = cmd["pape"]
        auth.addExtension(
            pape5.Request(preferred_auth_policies=p.get("preferred_auth_policies"),
                          max_auth_age=p.get("max_auth_age")))
    immediate = cmd.get("immediate", False)
    return {
        "redirect_url": auth.redirectURL(cmd["realm"], cmd["return_to"], immediate=immediate),
        "form_html": auth.formMarkup(cmd["realm"], cmd["return_to"], immediate=immediate),
        "openid1": auth.endpoint.compatibilityMode(),
    }


def complete(consumer, cmd):
    # keep_blank_values: a web framework hands the consumer every argument, empty or not
    query = dict(parse_qsl(urlsplit(cmd["url"]).query, keep_blank_values=True))
    if cmd.get("body"):
        query.update(parse_qsl(cmd["body"], keep_blank_values=True))
    response = consumer.complete(query, cmd["url"])
    out = {"status": response.status, "identity_url": response.identity_url}
    if response.status == "failure":
        out["message"] = response.message
    if response.status == "setup_needed":
        out["setup_url"] = response.setup_url
    if response.status == "success":
        out["signed_fields"] = response.signed_fields
        s = sreg.SRegResponse.fromSuccessResponse(response)
        out["sreg"] = dict(s.items()) if s else None
        try:
            a = ax.FetchResponse.fromSuccessResponse(response)
        except ax.AXError as e:
            a, out["ax_error"] = None, str(e)
        out["ax"] = {k: list(v) for k, v in a.data.items()} if a else None
        p = pape5.Response.fromSuccessResponse(response)
        out["pape"] = {
            "auth_policies": p.auth_policies,
            "auth_time": p.auth_time,
            "auth_levels": p.auth_levels,
        } if p else None
    return out


def main():
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    store_dir = tempfile.mkdtemp(prefix="python-openid-rp-")
    try:
        store = None if config.get("stateless") else FileOpenIDStore(store_dir)
        consumer = Consumer({}, store)  # the session dict lives as long as this process
        if config.get("associations"):
            consumer.setAssociationPreference([tuple(p) for p in config["associations"]])
        for line in sys.stdin:
            cmd = json.loads(line)
            try:
                out = begin(consumer, cmd) if cmd["cmd"] == "begin" else complete(consumer, cmd)
            except Exception as e:  # report, keep serving: the test decides what it means
                out = {"error": "%s: %s" % (type(e).__name__, e)}
            print(json.dumps(out, default=str), flush=True)
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
