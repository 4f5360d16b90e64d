// The client battery (test/clients/battery.ts) with gomemcache (Debian
// golang-github-bradfitz-gomemcache-dev, ASCII). The packaged version has no append/prepend,
// noreply, version or stats calls, so those steps are not run.
//
// Usage: gomemcache_battery <host> <port> ascii <prefix>
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

var c *memcache.Client
var prefix string

func k(name string) string { return prefix + name }

func stored(err error) string {
	switch err {
	case nil:
		return "stored"
	case memcache.ErrNotStored:
		return "not_stored"
	case memcache.ErrCASConflict:
		return "exists"
	case memcache.ErrCacheMiss:
		return "not_found"
	}
	return "error"
}

func hit(key string, want []byte) string {
	it, err := c.Get(key)
	if err == memcache.ErrCacheMiss {
		return "miss"
	}
	if err != nil {
		return "error"
	}
	if want == nil {
		return string(it.Value)
	}
	if bytes.Equal(it.Value, want) {
		return "same"
	}
	return "differs"
}

func set(key string, v string) error { return c.Set(&memcache.Item{Key: key, Value: []byte(v)}) }

func num(v uint64, err error) string {
	if err == memcache.ErrCacheMiss {
		return "not_found"
	}
	if err != nil {
		return "error"
	}
	return fmt.Sprint(v)
}

func join(parts ...string) string { return strings.Join(parts, ",") }

var steps = []struct {
	name string
	fn   func() string
}{
	{"set_get", func() string { return join(stored(set(k("sg"), "hello world")), hit(k("sg"), nil)) }},
	{"reread", func() string {
		return join(stored(set(k("rr/"), "x")), hit(k("rr/"), nil), hit(k("rr/"), nil), hit(k("rr/"), nil))
	}},
	{"crlf_value", func() string {
		v := "a\r\nEND\r\nb\r\n"
		return join(stored(set(k("crlf"), v)), hit(k("crlf"), []byte(v)))
	}},
	{"value_500k", func() string {
		v := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 512000/36+1)[:512000]
		return join(stored(set(k("big500"), v)), hit(k("big500"), []byte(v)))
	}},
	{"value_too_large", func() string {
		err := set(k("huge"), strings.Repeat("x", 2*1024*1024))
		r := "ok"
		if err != nil {
			r = "error"
		}
		return join(r, hit(k("huge"), nil))
	}},
	{"add", func() string {
		a := stored(c.Add(&memcache.Item{Key: k("add"), Value: []byte("1")}))
		b := stored(c.Add(&memcache.Item{Key: k("add"), Value: []byte("2")}))
		return join(a, b, hit(k("add"), nil))
	}},
	{"replace", func() string {
		a := stored(c.Replace(&memcache.Item{Key: k("rep"), Value: []byte("old")}))
		set(k("rep"), "old")
		b := stored(c.Replace(&memcache.Item{Key: k("rep"), Value: []byte("new")}))
		return join(a, b, hit(k("rep"), nil))
	}},
	{"cas", func() string {
		set(k("cas"), "v1")
		it, err := c.Get(k("cas"))
		if err != nil {
			return "error"
		}
		it.Value = []byte("v2")
		good := stored(c.CompareAndSwap(it))
		it.Value = []byte("v3")
		stale := stored(c.CompareAndSwap(it))
		got := hit(k("cas"), nil)
		it.Key = k("casmiss")
		return join(good, stale, got, stored(c.CompareAndSwap(it)))
	}},
	{"incr_decr", func() string {
		set(k("ctr"), "10")
		return join(num(c.Increment(k("ctr"), 5)), num(c.Decrement(k("ctr"), 20)), num(c.Increment(k("ctrmiss"), 1)))
	}},
	{"touch", func() string {
		c.Set(&memcache.Item{Key: k("tch"), Value: []byte("x"), Expiration: 100})
		t := "touched"
		if err := c.Touch(k("tch"), 1000); err != nil {
			t = stored(err)
		}
		got := "hit"
		if _, err := c.Get(k("tch")); err != nil {
			got = "miss"
		}
		m := "touched"
		if err := c.Touch(k("tchmiss"), 1000); err != nil {
			m = stored(err)
		}
		return join(t, got, m)
	}},
	{"delete", func() string {
		set(k("del"), "x")
		del := func() string {
			if err := c.Delete(k("del")); err != nil {
				return stored(err)
			}
			return "deleted"
		}
		return join(del(), del(), hit(k("del"), nil))
	}},
	{"multi_get", func() string {
		keys := []string{}
		for i := 0; i < 100; i++ {
			if i%2 == 0 {
				set(k(fmt.Sprintf("m%d", i)), fmt.Sprintf("v%d", i))
			}
			keys = append(keys, k(fmt.Sprintf("m%d", i)))
		}
		got, err := c.GetMulti(keys)
		if err != nil {
			return "error"
		}
		same := "same"
		for i := 0; i < 100; i += 2 {
			if it, ok := got[k(fmt.Sprintf("m%d", i))]; !ok || string(it.Value) != fmt.Sprintf("v%d", i) {
				same = "differs"
			}
		}
		return join(fmt.Sprint(len(got)), same)
	}},
	{"flags", func() string {
		c.Set(&memcache.Item{Key: k("fl"), Value: []byte("f"), Flags: 0xdeadbeef})
		it, err := c.Get(k("fl"))
		if err == nil && it.Flags == 0xdeadbeef {
			return "same"
		}
		return "differs"
	}},
	{"key_250", func() string {
		key := prefix + strings.Repeat("k", 250-len(prefix))
		return join(stored(set(key, "v")), hit(key, []byte("v")))
	}},
	{"key_251", func() string {
		if set(prefix+strings.Repeat("k", 251-len(prefix)), "v") != nil {
			return "error"
		}
		return "ok"
	}},
}

func main() {
	c = memcache.New(os.Args[1] + ":" + os.Args[2])
	c.Timeout = time.Second
	prefix = os.Args[4]
	for _, s := range steps {
		fmt.Printf("STEP %s %s\n", s.name, s.fn())
	}
	fmt.Println("DONE")
}
