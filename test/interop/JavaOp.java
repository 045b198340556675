// openid4java's provider (ServerManager) served by com.sun.net.httpserver on
// 127.0.0.1 for the interop tests (rp-vs-java-op.test.ts). It approves every
// request unless told to deny, as the user it is configured with.
// HTTP:  /op          the OpenID endpoint (GET or POST)
//        /id/NAME     XRDS when the Accept header asks for it, else HTML with openid2.provider
//        /html/NAME   HTML only: openid2.provider and openid.server links
//        /html1/NAME  HTML only: openid.server (OpenID 1.x)
//        /            an OP identifier XRDS (identifier_select)
// stdin (one application/x-www-form-urlencoded record a line, one answer each):
//        cmd=configure&decision=allow|deny[&sreg.FIELD=V]...[&ax.TYPE=V]...
//        cmd=log       -> entry=MODE[/ASSOC_TYPE/SESSION_TYPE][ is_valid:true|false]...
// The first stdout line is port=N; the process ends when stdin closes.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openid4java.message.AuthRequest;
import org.openid4java.message.AuthSuccess;
import org.openid4java.message.DirectError;
import org.openid4java.message.Message;
import org.openid4java.message.ParameterList;
import org.openid4java.message.ax.AxMessage;
import org.openid4java.message.ax.FetchRequest;
import org.openid4java.message.ax.FetchResponse;
import org.openid4java.message.sreg.SRegMessage;
import org.openid4java.message.sreg.SRegRequest;
import org.openid4java.message.sreg.SRegResponse;
import org.openid4java.server.InMemoryServerAssociationStore;
import org.openid4java.server.ServerManager;

public class JavaOp {
  static final ServerManager manager = new ServerManager();
  static final List<String> log = new ArrayList<>();
  static String base;
  static volatile String decision = "allow";
  static volatile String user = "alice";
  static volatile Map<String, String> sreg = Map.of();
  static volatile Map<String, String> ax = Map.of();

  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    manager.setOPEndpointUrl(base + "/op");
    // InMemoryServerAssociationStore names handles "<its creation time in ms>-<counter>", so the shared and
    // private stores ServerManager makes in the same millisecond hand out the same handles. Two stores made
    // apart keep a private handle out of the shared store (check_authentication refuses such a handle).
    manager.setSharedAssociations(new InMemoryServerAssociationStore());
    Thread.sleep(5);
    manager.setPrivateAssociations(new InMemoryServerAssociationStore());
    // The realms of the tests (http://rp.example/) cannot be fetched for RP discovery (§9.2.1).
    manager.getRealmVerifier().setEnforceRpId(false);
    server.createContext("/", JavaOp::handle);
    server.start();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("port=" + server.getAddress().getPort());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) continue;
      Map<String, String> req = decode(line);
      StringBuilder res = new StringBuilder("ok=1");
      if ("configure".equals(req.get("cmd"))) {
        decision = req.getOrDefault("decision", "allow");
        user = req.getOrDefault("user", "alice");
        Map<String, String> s = new LinkedHashMap<>();
        Map<String, String> a = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : req.entrySet()) {
          if (e.getKey().startsWith("sreg.")) s.put(e.getKey().substring(5), e.getValue());
          if (e.getKey().startsWith("ax.")) a.put(e.getKey().substring(3), e.getValue());
        }
        sreg = s;
        ax = a;
      } else if ("log".equals(req.get("cmd"))) {
        synchronized (log) {
          for (String entry : log) res.append("&entry=").append(enc(entry));
        }
      }
      out.println(res);
    }
    server.stop(0);
    System.exit(0);
  }

  static void handle(HttpExchange ex) {
    try {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/op")) endpoint(ex);
      else if (path.startsWith("/id/")) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept != null && accept.contains("application/xrds+xml"))
          send(ex, 200, "application/xrds+xml", xrds("http://specs.openid.net/auth/2.0/signon"));
        else send(ex, 200, "text/html", html(false));
      } else if (path.startsWith("/html/")) send(ex, 200, "text/html", html(true));
      else if (path.startsWith("/html1/")) send(ex, 200, "text/html", html1());
      else if (path.equals("/")) send(ex, 200, "application/xrds+xml", xrds("http://specs.openid.net/auth/2.0/server"));
      else send(ex, 404, "text/plain", "not found");
    } catch (Throwable e) {
      e.printStackTrace();
      try {
        send(ex, 500, "text/plain", String.valueOf(e));
      } catch (Exception ignored) {
        ex.close();
      }
    }
  }

  static String xrds(String type) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<xrds:XRDS xmlns:xrds=\"xri://$xrds\" xmlns=\"xri://$xrd*($v*2.0)\"><XRD>"
        + "<Service priority=\"0\"><Type>" + type + "</Type><URI>" + base + "/op</URI></Service>"
        + "</XRD></xrds:XRDS>\n";
  }

  static String html(boolean withOpenId1) {
    return "<html><head><title>identity</title>"
        + "<link rel=\"openid2.provider\" href=\"" + base + "/op\">"
        + (withOpenId1 ? "<link rel=\"openid.server\" href=\"" + base + "/op\">" : "")
        + "</head><body>identity</body></html>\n";
  }

  /** An OpenID 1.x identity page: openid.server only. */
  static String html1() {
    return "<html><head><title>identity</title><link rel=\"openid.server\" href=\"" + base + "/op\">"
        + "</head><body>identity</body></html>\n";
  }

  static void endpoint(HttpExchange ex) throws Exception {
    String query = "POST".equals(ex.getRequestMethod())
        ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
        : ex.getRequestURI().getRawQuery();
    ParameterList params = ParameterList.createFromQueryString(query == null ? "" : query);
    String mode = params.getParameterValue("openid.mode");
    if ("associate".equals(mode)) {
      record(mode + "/" + params.getParameterValue("openid.assoc_type") + "/"
          + params.getParameterValue("openid.session_type"));
      direct(ex, manager.associationResponse(params));
    } else if ("check_authentication".equals(mode)) {
      Message answer = manager.verify(params);
      record(mode + " is_valid:" + answer.getParameterValue("is_valid"));
      direct(ex, answer);
    } else if ("checkid_setup".equals(mode) || "checkid_immediate".equals(mode)) {
      record(mode);
      checkid(ex, params);
    } else {
      record(String.valueOf(mode));
      send(ex, 200, "text/plain", "OpenID endpoint\n");
    }
  }

  static void checkid(HttpExchange ex, ParameterList params) throws Exception {
    boolean allow = "allow".equals(decision);
    String identity = params.getParameterValue("openid.identity");
    String claimed = params.getParameterValue("openid.claimed_id");
    if (AuthRequest.SELECT_ID.equals(identity)) {
      identity = base + "/id/" + user;
      claimed = identity;
    }
    Message answer = manager.authResponse(params, identity, claimed, allow, false);
    if (answer instanceof AuthSuccess success) {
      AuthRequest request = AuthRequest.createAuthRequest(params, manager.getRealmVerifier());
      // SReg 1.1 has its own namespace URI (our RP sends it); 1.0 declared none or the 1.0 one.
      for (String ns : new String[] {SRegMessage.OPENID_NS_SREG11, SRegMessage.OPENID_NS_SREG}) {
        if (!request.hasExtension(ns)) continue;
        SRegRequest asked = (SRegRequest) request.getExtension(ns);
        success.addExtension(SRegResponse.createSRegResponse(asked, sreg));
        success.addSignExtension(SRegMessage.OPENID_NS_SREG);
        break;
      }
      if (request.hasExtension(AxMessage.OPENID_NS_AX)) {
        FetchRequest asked = (FetchRequest) request.getExtension(AxMessage.OPENID_NS_AX);
        Map<String, String> values = new LinkedHashMap<>();
        Map<?, ?> types = asked.getAttributes();
        for (Object alias : types.keySet()) {
          String value = ax.get(String.valueOf(types.get(alias)));
          if (value != null) values.put((String) alias, value);
        }
        FetchResponse fetch = FetchResponse.createFetchResponse(asked, values);
        success.addExtension(fetch);
        success.addSignExtension(AxMessage.OPENID_NS_AX);
      }
      // Extensions added after authResponse are signed only when named and the list is built again.
      success.buildSignedList();
      manager.sign(success);
    }
    if (answer instanceof DirectError) {
      direct(ex, answer);
      return;
    }
    ex.getResponseHeaders().set("Location", answer.getDestinationUrl(true));
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  static void direct(HttpExchange ex, Message answer) throws Exception {
    // A direct error is a 400 (§5.1.2.2); everything else a 200.
    send(ex, answer instanceof DirectError ? 400 : 200, "text/plain", answer.keyValueFormEncoding());
  }

  static void record(String entry) {
    synchronized (log) {
      log.add(entry);
    }
  }

  static void send(HttpExchange ex, int status, String type, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static Map<String, String> decode(String line) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String pair : line.split("&")) {
      int i = pair.indexOf('=');
      String k = i < 0 ? pair : pair.substring(0, i);
      String v = i < 0 ? "" : pair.substring(i + 1);
      m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return m;
  }
}
