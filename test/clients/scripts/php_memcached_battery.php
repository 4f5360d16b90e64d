<?php
// The client battery (test/clients/battery.ts) with php-memcached (Debian php-memcached, on
// libmemcached), ASCII or binary (Memcached::OPT_BINARY_PROTOCOL).
// Usage: php php_memcached_battery.php <host> <port> ascii|binary <prefix>
[, $host, $port, $mode, $prefix] = $argv;

function client(bool $noreply = false): Memcached {
    global $host, $port, $mode;
    $m = new Memcached();
    $m->setOption(Memcached::OPT_BINARY_PROTOCOL, $mode === 'binary');
    $m->setOption(Memcached::OPT_COMPRESSION, false);
    $m->setOption(Memcached::OPT_CONNECT_TIMEOUT, 1000);
    $m->setOption(Memcached::OPT_POLL_TIMEOUT, 1000);
    $m->setOption(Memcached::OPT_RECV_TIMEOUT, 1000000);
    $m->setOption(Memcached::OPT_SEND_TIMEOUT, 1000000);
    if ($noreply) $m->setOption(Memcached::OPT_NOREPLY, true);
    $m->addServer($host, (int)$port);
    return $m;
}

$c = client();
function k(string $n): string { global $prefix; return $prefix . $n; }

/** The outcome token of the last call's result code. */
function res(bool $ok, string $success = 'stored'): string {
    global $c;
    if ($ok) return $success;
    switch ($c->getResultCode()) {
        case Memcached::RES_NOTSTORED: return 'not_stored';
        case Memcached::RES_DATA_EXISTS: return 'exists';
        case Memcached::RES_NOTFOUND: return 'not_found';
    }
    return 'error';
}
function hit(string $key, ?string $want = null, ?Memcached $via = null): string {
    global $c;
    $m = $via ?? $c;
    $v = $m->get($key);
    if ($v === false) return $m->getResultCode() === Memcached::RES_NOTFOUND ? 'miss' : 'error';
    if ($want === null) return (string)$v;
    return $v === $want ? 'same' : 'differs';
}
function num($r): string { return $r === false ? res(false) : (string)$r; }

$steps = [
    'set_get' => fn() => [res($c->set(k('sg'), 'hello world')), hit(k('sg'))],
    'reread' => fn() => [res($c->set(k('rr/'), 'x')), hit(k('rr/')), hit(k('rr/')), hit(k('rr/'))],
    'crlf_value' => function () use ($c) {
        $v = "a\r\nEND\r\nb\r\n";
        return [res($c->set(k('crlf'), $v)), hit(k('crlf'), $v)];
    },
    'value_500k' => function () use ($c) {
        $v = substr(str_repeat('abcdefghijklmnopqrstuvwxyz0123456789', intdiv(512000, 36) + 1), 0, 512000);
        return [res($c->set(k('big500'), $v)), hit(k('big500'), $v)];
    },
    'value_too_large' => fn() => [$c->set(k('huge'), str_repeat('x', 2 * 1024 * 1024)) ? 'ok' : 'error', hit(k('huge'))],
    'add' => fn() => [res($c->add(k('add'), '1')), res($c->add(k('add'), '2')), hit(k('add'))],
    'replace' => function () use ($c) {
        $a = res($c->replace(k('rep'), 'old'));
        $c->set(k('rep'), 'old');
        return [$a, res($c->replace(k('rep'), 'new')), hit(k('rep'))];
    },
    'append_prepend' => function () use ($c) {
        $a = res($c->append(k('ap'), 'x'));
        $c->set(k('ap'), 'b');
        return [$a, res($c->append(k('ap'), 'c')), res($c->prepend(k('ap'), 'a')), hit(k('ap'))];
    },
    'cas' => function () use ($c) {
        $c->set(k('cas'), 'v1');
        $token = $c->get(k('cas'), null, Memcached::GET_EXTENDED)['cas'];
        $good = res($c->cas($token, k('cas'), 'v2'));
        $stale = res($c->cas($token, k('cas'), 'v3'));
        return [$good, $stale, hit(k('cas')), res($c->cas($token, k('casmiss'), 'x'))];
    },
    'incr_decr' => function () use ($c) {
        $c->set(k('ctr'), '10');
        return [num($c->increment(k('ctr'), 5)), num($c->decrement(k('ctr'), 20)), num($c->increment(k('ctrmiss'), 1))];
    },
    'touch' => function () use ($c) {
        $c->set(k('tch'), 'x', 100);
        $t = res($c->touch(k('tch'), 1000), 'touched');
        $h = $c->get(k('tch')) === false ? 'miss' : 'hit';
        return [$t, $h, res($c->touch(k('tchmiss'), 1000), 'touched')];
    },
    'delete' => function () use ($c) {
        $c->set(k('del'), 'x');
        return [res($c->delete(k('del')), 'deleted'), res($c->delete(k('del')), 'deleted'), hit(k('del'))];
    },
    'multi_get' => function () use ($c) {
        $keys = [];
        for ($i = 0; $i < 100; $i++) {
            if ($i % 2 === 0) $c->set(k("m$i"), "v$i");
            $keys[] = k("m$i");
        }
        $got = $c->getMulti($keys);
        if ($got === false) return ['error'];
        $same = true;
        for ($i = 0; $i < 100; $i += 2) $same = $same && ($got[k("m$i")] ?? null) === "v$i";
        return [(string)count($got), $same ? 'same' : 'differs'];
    },
    // php-memcached keeps the value's type in the flags.
    'flags' => function () use ($c) {
        $c->set(k('fl_int'), 42);
        $c->set(k('fl_arr'), ['a' => [1, 2]]);
        $c->set(k('fl_float'), 1.5);
        $same = $c->get(k('fl_int')) === 42 && $c->get(k('fl_arr')) === ['a' => [1, 2]] && $c->get(k('fl_float')) === 1.5;
        return [$same ? 'same' : 'differs'];
    },
    'key_250' => function () use ($c) {
        global $prefix;
        $key = $prefix . str_repeat('k', 250 - strlen($prefix));
        return [res($c->set($key, 'v')), hit($key, 'v')];
    },
    'key_251' => function () use ($c) {
        global $prefix;
        return [$c->set($prefix . str_repeat('k', 251 - strlen($prefix)), 'v') ? 'ok' : 'error'];
    },
    'noreply' => function () use ($c) {
        global $mode;
        $q = client(true);
        // libmemcached's binary noreply takes the Key-not-found reply memcached sends for a quiet
        // delete of a missing key (memcached/proto_bin.c answers quiet errors) as the reply to the
        // next get, depending on timing; so in binary mode "nr3" exists and the delete succeeds.
        if ($mode === 'binary') $c->set(k('nr3'), '3');
        $q->set(k('nr1'), '1');
        $q->set(k('nr2'), '2');
        $q->delete(k('nr3'));
        // Read back on the same connection: the quiet writes are ordered before the gets there.
        return [hit(k('nr1'), null, $q), hit(k('nr2'), null, $q)];
    },
    'version' => function () use ($c) {
        $v = $c->getVersion();
        if ($v === false) return ['bad:false'];
        $s = (string)array_values($v)[0];
        return [preg_match('/^(\d+)\.\d+\.\d+/', $s, $m) && (int)$m[1] >= 1 ? 'ok' : 'bad:' . str_replace(' ', '_', $s)];
    },
    'stats' => function () use ($c) {
        $s = $c->getStats();
        if ($s === false) return ['bad:false'];
        $one = array_values($s)[0];
        return [isset($one['pid'], $one['uptime']) ? 'ok' : 'bad:' . count($one)];
    },
];

foreach ($steps as $name => $fn) {
    try {
        $out = implode(',', $fn());
    } catch (Throwable $e) {
        $out = 'exception:' . get_class($e) . ':' . substr(preg_replace('/\s+/', ' ', $e->getMessage()), 0, 120);
    }
    echo "STEP $name $out\n";
}
echo "DONE\n";
