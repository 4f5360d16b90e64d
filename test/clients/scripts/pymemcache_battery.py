"""The client battery (test/clients/battery.ts) with pymemcache (Debian python3-pymemcache).

Usage: /usr/bin/python3 pymemcache_battery.py <host> <port> ascii <prefix>
Prints `STEP <name> <outcome>` per step, then `DONE`.
"""
import re
import sys

from pymemcache.client.base import Client
from pymemcache import serde
from pymemcache.exceptions import MemcacheError

host, port, mode, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
P = prefix.encode()


def client(**kw):
    return Client((host, port), connect_timeout=1, timeout=1, default_noreply=False, **kw)


c = client()
typed = client(serde=serde.pickle_serde)


def k(name):
    return P + name.encode()


def stored(ok):
    return 'stored' if ok else 'not_stored'


def hit(v, want=None):
    if v is None:
        return 'miss'
    if want is None:
        return v.decode('latin1')
    return 'same' if v == want else 'differs'


def attempt(fn):
    try:
        fn()
        return 'ok'
    except MemcacheError:
        return 'error'


def step(name, fn):
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 — any unexpected failure is the step's outcome
        out = 'exception:' + type(e).__name__ + ':' + re.sub(r'\s+', ' ', str(e))[:120]
        global c, typed
        c, typed = client(), client(serde=serde.pickle_serde)
    print('STEP', name, out, flush=True)


def set_get():
    return ','.join([stored(c.set(k('sg'), b'hello world')), hit(c.get(k('sg')))])


def crlf_value():
    v = b'a\r\nEND\r\nb\r\n'
    return ','.join([stored(c.set(k('crlf'), v)), hit(c.get(k('crlf')), v)])


def reread():
    return ','.join([stored(c.set(k('rr/'), b'x'))] + [hit(c.get(k('rr/'))) for _ in range(3)])


PATTERN = b'abcdefghijklmnopqrstuvwxyz0123456789'


def value_500k():
    v = (PATTERN * (512000 // len(PATTERN) + 1))[:512000]
    return ','.join([stored(c.set(k('big500'), v)), hit(c.get(k('big500')), v)])


def value_too_large():
    r = attempt(lambda: c.set(k('huge'), b'x' * (2 * 1024 * 1024)))
    return ','.join([r, hit(c.get(k('huge')))])


def add():
    return ','.join([stored(c.add(k('add'), b'1')), stored(c.add(k('add'), b'2')), hit(c.get(k('add')))])


def replace():
    a = stored(c.replace(k('rep'), b'old'))
    c.set(k('rep'), b'old')
    return ','.join([a, stored(c.replace(k('rep'), b'new')), hit(c.get(k('rep')))])


def append_prepend():
    a = stored(c.append(k('ap'), b'x'))
    c.set(k('ap'), b'b')
    return ','.join([a, stored(c.append(k('ap'), b'c')), stored(c.prepend(k('ap'), b'a')), hit(c.get(k('ap')))])


def cas_name(r):
    return {True: 'stored', False: 'exists', None: 'not_found'}[r]


def cas():
    c.set(k('cas'), b'v1')
    _, token = c.gets(k('cas'))
    good = cas_name(c.cas(k('cas'), b'v2', token))
    stale = cas_name(c.cas(k('cas'), b'v3', token))
    return ','.join([good, stale, hit(c.get(k('cas'))), cas_name(c.cas(k('casmiss'), b'x', token))])


def num(r):
    return 'not_found' if r is None else str(r)


def incr_decr():
    c.set(k('ctr'), b'10')
    return ','.join([num(c.incr(k('ctr'), 5)), num(c.decr(k('ctr'), 20)), num(c.incr(k('ctrmiss'), 1))])


def touch():
    c.set(k('tch'), b'x', expire=100)
    t = 'touched' if c.touch(k('tch'), 1000) else 'not_found'
    got = 'hit' if c.get(k('tch')) is not None else 'miss'
    return ','.join([t, got, 'touched' if c.touch(k('tchmiss'), 1000) else 'not_found'])


def delete():
    c.set(k('del'), b'x')
    first = 'deleted' if c.delete(k('del')) else 'not_found'
    second = 'deleted' if c.delete(k('del')) else 'not_found'
    return ','.join([first, second, hit(c.get(k('del')))])


def multi_get():
    for i in range(0, 100, 2):
        c.set(k('m%d' % i), b'v%d' % i)
    got = c.get_many([k('m%d' % i) for i in range(100)])
    ok = all(got.get(k('m%d' % i)) == b'v%d' % i for i in range(0, 100, 2))
    return '%d,%s' % (len(got), 'same' if ok else 'differs')


class RawFlags:
    """A serde that stores bytes with the flags given and reads back (value, flags)."""

    def __init__(self, flags):
        self.flags = flags

    def serialize(self, key, value):
        return value, self.flags

    def deserialize(self, key, value, flags):
        return value, flags


def flags():
    typed.set(k('fl_int'), 42)
    typed.set(k('fl_obj'), {'a': [1, 2]})
    raw = client(serde=RawFlags(0xDEADBEEF))
    raw.set(k('fl_raw'), b'r')
    same = (typed.get(k('fl_int')) == 42 and typed.get(k('fl_obj')) == {'a': [1, 2]}
            and raw.get(k('fl_raw')) == (b'r', 0xDEADBEEF))
    return 'same' if same else 'differs'


def key_250():
    key = P + b'k' * (250 - len(P))
    return ','.join([stored(c.set(key, b'v')), hit(c.get(key), b'v')])


def key_251():
    key = P + b'k' * (251 - len(P))
    return attempt(lambda: c.set(key, b'v'))


def noreply():
    c.set(k('nr1'), b'1', noreply=True)
    c.set(k('nr2'), b'2', noreply=True)
    c.delete(k('nr3'), noreply=True)
    return ','.join([hit(c.get(k('nr1'))), hit(c.get(k('nr2')))])


def version():
    v = c.version().decode()
    m = re.match(r'^(\d+)\.(\d+)\.(\d+)', v)
    return 'ok' if m and int(m.group(1)) >= 1 else 'bad:' + v.replace(' ', '_')


def stats():
    s = c.stats()
    return 'ok' if s and b'pid' in s and b'uptime' in s else 'bad:%d' % len(s)


for name, fn in [
    ('set_get', set_get), ('reread', reread), ('crlf_value', crlf_value), ('value_500k', value_500k),
    ('value_too_large', value_too_large), ('add', add), ('replace', replace),
    ('append_prepend', append_prepend), ('cas', cas), ('incr_decr', incr_decr), ('touch', touch),
    ('delete', delete), ('multi_get', multi_get), ('flags', flags), ('key_250', key_250),
    ('key_251', key_251), ('noreply', noreply), ('version', version), ('stats', stats),
]:
    step(name, fn)
print('DONE', flush=True)
