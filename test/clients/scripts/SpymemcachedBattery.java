// The client battery (test/clients/battery.ts) with spymemcached (Debian libspymemcached-java),
// with the ASCII (TEXT) or the BINARY connection factory. spymemcached has no noreply/quiet calls,
// so that step is not run.
// Usage: java -cp <classes>:/usr/share/java/spymemcached.jar SpymemcachedBattery <host> <port> ascii|binary <prefix>
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.transcoders.SerializingTranscoder;

public class SpymemcachedBattery {
  static MemcachedClient c;
  static String prefix;

  static String k(String name) { return prefix + name; }

  static String stored(Boolean ok) { return ok ? "stored" : "not_stored"; }

  static String hit(String key, String want) {
    Object v = c.get(key);
    if (v == null) return "miss";
    if (want == null) return v.toString();
    return want.equals(v) ? "same" : "differs";
  }

  static String attempt(Callable<Boolean> fn) {
    try {
      return fn.call() ? "ok" : "error";
    } catch (Exception e) {
      return "error";
    }
  }

  static String num(long v) { return v < 0 ? "not_found" : Long.toString(v); }

  static String cas(CASResponse r) {
    switch (r) {
      case OK: return "stored";
      case EXISTS: return "exists";
      case NOT_FOUND: return "not_found";
      default: return "error";
    }
  }

  static String join(String... parts) { return String.join(",", parts); }

  public static void main(String[] args) throws Exception {
    prefix = args[3];
    SerializingTranscoder tc = new SerializingTranscoder(4 * 1024 * 1024);
    tc.setCompressionThreshold(Integer.MAX_VALUE); // values go to the server as they are
    ConnectionFactoryBuilder b = new ConnectionFactoryBuilder()
        .setProtocol(args[2].equals("binary") ? ConnectionFactoryBuilder.Protocol.BINARY : ConnectionFactoryBuilder.Protocol.TEXT)
        .setOpTimeout(1000)
        .setFailureMode(FailureMode.Retry)
        .setTranscoder(tc);
    List<InetSocketAddress> server = List.of(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
    c = new MemcachedClient(b.build(), server);

    Map<String, Callable<String>> steps = new LinkedHashMap<>();
    steps.put("set_get", () -> join(stored(c.set(k("sg"), 0, "hello world").get()), hit(k("sg"), null)));
    steps.put("reread", () -> join(stored(c.set(k("rr/"), 0, "x").get()), hit(k("rr/"), null), hit(k("rr/"), null), hit(k("rr/"), null)));
    steps.put("crlf_value", () -> {
      String v = "a\r\nEND\r\nb\r\n";
      return join(stored(c.set(k("crlf"), 0, v).get()), hit(k("crlf"), v));
    });
    steps.put("value_500k", () -> {
      String v = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(512000 / 36 + 1).substring(0, 512000);
      return join(stored(c.set(k("big500"), 0, v).get()), hit(k("big500"), v));
    });
    // The ASCII connection reconnects after a SERVER_ERROR (spymemcached's AsciiMemcachedNodeImpl),
    // so the oversized set goes on a client of its own.
    steps.put("value_too_large", () -> {
      MemcachedClient own = new MemcachedClient(b.build(), server);
      String r = attempt(() -> own.set(k("huge"), 0, "x".repeat(2 * 1024 * 1024)).get());
      own.shutdown();
      return join(r, hit(k("huge"), null));
    });
    steps.put("add", () -> join(stored(c.add(k("add"), 0, "1").get()), stored(c.add(k("add"), 0, "2").get()), hit(k("add"), null)));
    steps.put("replace", () -> {
      String a = stored(c.replace(k("rep"), 0, "old").get());
      c.set(k("rep"), 0, "old").get();
      return join(a, stored(c.replace(k("rep"), 0, "new").get()), hit(k("rep"), null));
    });
    steps.put("append_prepend", () -> {
      String a = stored(c.append(k("ap"), "x").get());
      c.set(k("ap"), 0, "b").get();
      return join(a, stored(c.append(k("ap"), "c").get()), stored(c.prepend(k("ap"), "a").get()), hit(k("ap"), null));
    });
    steps.put("cas", () -> {
      c.set(k("cas"), 0, "v1").get();
      CASValue<Object> g = c.gets(k("cas"));
      String good = cas(c.cas(k("cas"), g.getCas(), "v2"));
      String stale = cas(c.cas(k("cas"), g.getCas(), "v3"));
      return join(good, stale, hit(k("cas"), null), cas(c.cas(k("casmiss"), g.getCas(), "x")));
    });
    steps.put("incr_decr", () -> {
      c.set(k("ctr"), 0, "10").get();
      return join(num(c.incr(k("ctr"), 5)), num(c.decr(k("ctr"), 20)), num(c.incr(k("ctrmiss"), 1)));
    });
    steps.put("touch", () -> {
      c.set(k("tch"), 100, "x").get();
      String t = c.touch(k("tch"), 1000).get() ? "touched" : "not_found";
      String h = c.get(k("tch")) == null ? "miss" : "hit";
      return join(t, h, c.touch(k("tchmiss"), 1000).get() ? "touched" : "not_found");
    });
    steps.put("delete", () -> {
      c.set(k("del"), 0, "x").get();
      String first = c.delete(k("del")).get() ? "deleted" : "not_found";
      String second = c.delete(k("del")).get() ? "deleted" : "not_found";
      return join(first, second, hit(k("del"), null));
    });
    steps.put("multi_get", () -> {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        if (i % 2 == 0) c.set(k("m" + i), 0, "v" + i).get();
        keys.add(k("m" + i));
      }
      Map<String, Object> got = c.getBulk(keys);
      boolean same = true;
      for (int i = 0; i < 100; i += 2) same &= ("v" + i).equals(got.get(k("m" + i)));
      return join(Integer.toString(got.size()), same ? "same" : "differs");
    });
    // spymemcached's transcoder keeps the value's Java type in the flags.
    steps.put("flags", () -> {
      HashMap<String, Integer> m = new HashMap<>(Map.of("a", 1));
      c.set(k("fl_int"), 0, 42).get();
      c.set(k("fl_long"), 0, 1L << 40).get();
      c.set(k("fl_map"), 0, m).get();
      boolean same = Integer.valueOf(42).equals(c.get(k("fl_int"))) && Long.valueOf(1L << 40).equals(c.get(k("fl_long")))
          && m.equals(c.get(k("fl_map")));
      return same ? "same" : "differs";
    });
    steps.put("key_250", () -> {
      String key = prefix + "k".repeat(250 - prefix.length());
      return join(stored(c.set(key, 0, "v").get()), hit(key, "v"));
    });
    steps.put("key_251", () -> attempt(() -> c.set(prefix + "k".repeat(251 - prefix.length()), 0, "v").get()));
    steps.put("version", () -> {
      String v = String.valueOf(c.getVersions().values().stream().findFirst().orElse(null));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.\\d+\\.\\d+").matcher(v);
      return m.find() && Integer.parseInt(m.group(1)) >= 1 ? "ok" : "bad:" + v.replace(' ', '_');
    });
    steps.put("stats", () -> {
      Map<String, String> s = c.getStats().values().stream().findFirst().orElse(Map.of());
      return s.containsKey("pid") && s.containsKey("uptime") ? "ok" : "bad:" + s.size();
    });

    for (Map.Entry<String, Callable<String>> e : steps.entrySet()) {
      String out;
      try {
        out = e.getValue().call();
      } catch (Exception ex) {
        String msg = String.valueOf(ex.getMessage()).replaceAll("\\s+", " ");
        out = "exception:" + ex.getClass().getSimpleName() + ":" + msg.substring(0, Math.min(120, msg.length()));
      }
      System.out.println("STEP " + e.getKey() + " " + out);
      System.out.flush();
    }
    System.out.println("DONE");
    c.shutdown(1, java.util.concurrent.TimeUnit.SECONDS);
    System.exit(0);
  }
}
