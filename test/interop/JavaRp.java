// openid4java's consumer (ConsumerManager) as a line driver for the interop
// tests (java-rp-vs-op.test.ts). Every line in and every line out is one
// application/x-www-form-urlencoded record, so no JSON library is needed.
// In:  cmd=new&id=ID&mode=DH-SHA1|DH-SHA256|stateless
//      cmd=begin&id=ID&identifier=..&realm=..&return_to=..[&immediate=1]
//                [&sreg_required=a,b][&sreg_optional=c][&ax=alias,typeUri,required,count]...
//      cmd=complete&id=ID&url=..[&body=..]
// Out: one record per command; error=... when openid4java threw.
// The process ends when stdin closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openid4java.association.AssociationSessionType;
import org.openid4java.consumer.ConsumerManager;
import org.openid4java.consumer.VerificationResult;
import org.openid4java.discovery.DiscoveryInformation;
import org.openid4java.message.AuthRequest;
import org.openid4java.message.AuthSuccess;
import org.openid4java.message.Message;
import org.openid4java.message.ParameterList;
import org.openid4java.message.ax.AxMessage;
import org.openid4java.message.ax.FetchRequest;
import org.openid4java.message.ax.FetchResponse;
import org.openid4java.message.sreg.SRegMessage;
import org.openid4java.message.sreg.SRegRequest;
import org.openid4java.message.sreg.SRegResponse;

public class JavaRp {
  /** One relying party: its manager and the login in progress (what a web session would hold). */
  static final class Session {
    final ConsumerManager manager = new ConsumerManager();
    DiscoveryInformation discovered;
  }

  static final Map<String, Session> sessions = new HashMap<>();

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("ready=1");
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) continue;
      Map<String, List<String>> req = decode(line);
      Map<String, List<String>> res = new LinkedHashMap<>();
      try {
        switch (one(req, "cmd")) {
          case "new" -> create(req, res);
          case "begin" -> begin(req, res);
          case "complete" -> complete(req, res);
          default -> add(res, "error", "unknown command");
        }
      } catch (Throwable e) {
        res.clear();
        add(res, "error", e.getClass().getName() + ": " + e.getMessage());
      }
      out.println(encode(res));
    }
    // stdin closed: the test is over; HTTP client threads must not keep the JVM alive.
    System.exit(0);
  }

  static void create(Map<String, List<String>> req, Map<String, List<String>> res) throws Exception {
    Session s = new Session();
    String mode = one(req, "mode");
    switch (mode) {
      case "stateless" -> s.manager.setMaxAssocAttempts(0);
      case "DH-SHA1" -> {
        s.manager.setPrefAssocSessEnc(AssociationSessionType.DH_SHA1);
        s.manager.setMinAssocSessEnc(AssociationSessionType.DH_SHA1);
      }
      case "DH-SHA256" -> {
        s.manager.setPrefAssocSessEnc(AssociationSessionType.DH_SHA256);
        s.manager.setMinAssocSessEnc(AssociationSessionType.DH_SHA256);
      }
      default -> throw new IllegalArgumentException("mode " + mode);
    }
    s.manager.setConnectTimeout(10_000);
    s.manager.setSocketTimeout(10_000);
    sessions.put(one(req, "id"), s);
    add(res, "ok", "1");
  }

  static void begin(Map<String, List<String>> req, Map<String, List<String>> res) throws Exception {
    Session s = session(req);
    List<?> found = s.manager.discover(one(req, "identifier"));
    for (Object o : found) {
      DiscoveryInformation d = (DiscoveryInformation) o;
      add(res, "service", d.getVersion() + " " + d.getOPEndpoint() + " " + d.getClaimedIdentifier()
          + " " + d.getDelegateIdentifier());
    }
    s.discovered = s.manager.associate(found);
    AuthRequest auth = s.manager.authenticate(s.discovered, one(req, "return_to"), one(req, "realm"));
    if ("1".equals(opt(req, "immediate"))) auth.setImmediate(true);
    String required = opt(req, "sreg_required");
    String optional = opt(req, "sreg_optional");
    if (required != null || optional != null) {
      SRegRequest sreg = SRegRequest.createFetchRequest();
      if (required != null) for (String f : required.split(",")) sreg.addAttribute(f, true);
      if (optional != null) for (String f : optional.split(",")) sreg.addAttribute(f, false);
      auth.addExtension(sreg);
    }
    List<String> ax = req.getOrDefault("ax", List.of());
    if (!ax.isEmpty()) {
      FetchRequest fetch = FetchRequest.createFetchRequest();
      for (String a : ax) {
        String[] p = a.split(",");
        fetch.addAttribute(p[0], p[1], Boolean.parseBoolean(p[2]), Integer.parseInt(p[3]));
      }
      auth.addExtension(fetch);
    }
    add(res, "redirect_url", auth.getDestinationUrl(true));
    add(res, "version2", s.discovered.isVersion2() ? "1" : "0");
  }

  static void complete(Map<String, List<String>> req, Map<String, List<String>> res) throws Exception {
    Session s = session(req);
    String url = one(req, "url");
    String body = opt(req, "body");
    int q = url.indexOf('?');
    String query = body != null ? body : q >= 0 ? url.substring(q + 1) : "";
    ParameterList params = ParameterList.createFromQueryString(query);
    VerificationResult v = s.manager.verify(url, params, s.discovered);
    Message answer = v.getAuthResponse();
    add(res, "verified", v.getVerifiedId() == null ? "" : v.getVerifiedId().getIdentifier());
    add(res, "response", answer == null ? "" : answer.getClass().getSimpleName());
    add(res, "message", v.getStatusMsg() == null ? "" : v.getStatusMsg());
    if (v.getVerifiedId() != null && answer instanceof AuthSuccess ok) {
      if (ok.hasExtension(SRegMessage.OPENID_NS_SREG)) {
        SRegResponse sreg = (SRegResponse) ok.getExtension(SRegMessage.OPENID_NS_SREG);
        for (Object name : sreg.getAttributeNames())
          add(res, "sreg." + name, sreg.getAttributeValue((String) name));
      }
      if (ok.hasExtension(AxMessage.OPENID_NS_AX)) {
        FetchResponse fetch = (FetchResponse) ok.getExtension(AxMessage.OPENID_NS_AX);
        Map<?, ?> types = fetch.getAttributeTypes();
        for (Object alias : types.keySet())
          for (Object value : fetch.getAttributeValues((String) alias))
            add(res, "ax." + types.get(alias), (String) value);
      }
    }
  }

  static Session session(Map<String, List<String>> req) {
    Session s = sessions.get(one(req, "id"));
    if (s == null) throw new IllegalArgumentException("no consumer " + one(req, "id"));
    return s;
  }

  static String one(Map<String, List<String>> m, String k) {
    String v = opt(m, k);
    if (v == null) throw new IllegalArgumentException("missing " + k);
    return v;
  }

  static String opt(Map<String, List<String>> m, String k) {
    List<String> v = m.get(k);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  static void add(Map<String, List<String>> m, String k, String v) {
    m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
  }

  static Map<String, List<String>> decode(String line) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String pair : line.split("&")) {
      int i = pair.indexOf('=');
      String k = i < 0 ? pair : pair.substring(0, i);
      String v = i < 0 ? "" : pair.substring(i + 1);
      add(m, URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return m;
  }

  static String encode(Map<String, List<String>> m) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, List<String>> e : m.entrySet())
      for (String v : e.getValue()) {
        if (b.length() > 0) b.append('&');
        b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    return b.toString();
  }
}
