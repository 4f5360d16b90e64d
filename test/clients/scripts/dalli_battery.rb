# The client battery (test/clients/battery.ts) with Dalli 3.0 (Debian ruby-dalli, binary protocol).
# Usage: /usr/bin/ruby dalli_battery.rb <host> <port> binary <prefix>
require 'dalli'
require 'logger'

host, port, _mode, PREFIX = ARGV
Dalli.logger = Logger.new(nil)
# value_max_bytes raised above memcached's item size limit so the server, not Dalli, refuses the 2 MiB value.
OPTS = { socket_timeout: 1, socket_max_failures: 1, down_retry_delay: 0, compress: false,
         value_max_bytes: 4 * 1024 * 1024 }.freeze
$c = Dalli::Client.new("#{host}:#{port}", OPTS)
# Strings are stored as they are (no Marshal), so append/prepend and incr/decr work on them.
R = { raw: true }.freeze

def k(name) = PREFIX + name

# Dalli answers a write with the new cas on success, false for Key exists / Item not stored, and
# the reply's cas, 0, for Key not found (Dalli::Protocol::Binary::ResponseProcessor#cas_response).
def stored(r)
  return 'not_found' if r.nil? || r == 0

  r ? 'stored' : 'not_stored'
end

def hit(key, want = nil)
  v = $c.get(key)
  return 'miss' if v.nil?
  return v if want.nil?

  v == want ? 'same' : 'differs'
end

def attempt
  yield ? 'ok' : 'error'
rescue Dalli::DalliError
  'error'
end

PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789'

STEPS = {
  'set_get' => -> { [stored($c.set(k('sg'), 'hello world', nil, R)), hit(k('sg'))] },
  'reread' => -> { [stored($c.set(k('rr/'), 'x', nil, R))] + Array.new(3) { hit(k('rr/')) } },
  'crlf_value' => lambda {
    v = "a\r\nEND\r\nb\r\n"
    [stored($c.set(k('crlf'), v, nil, R)), hit(k('crlf'), v)]
  },
  'value_500k' => lambda {
    v = (PATTERN * (512_000 / 36 + 1))[0, 512_000]
    [stored($c.set(k('big500'), v, nil, R)), hit(k('big500'), v)]
  },
  'value_too_large' => -> { [attempt { $c.set(k('huge'), 'x' * (2 * 1024 * 1024), nil, R) }, hit(k('huge'))] },
  'add' => -> { [stored($c.add(k('add'), '1', nil, R)), stored($c.add(k('add'), '2', nil, R)), hit(k('add'))] },
  'replace' => lambda {
    a = stored($c.replace(k('rep'), 'old', nil, R))
    $c.set(k('rep'), 'old', nil, R)
    [a, stored($c.replace(k('rep'), 'new', nil, R)), hit(k('rep'))]
  },
  'append_prepend' => lambda {
    a = stored($c.append(k('ap'), 'x'))
    $c.set(k('ap'), 'b', nil, R)
    [a, stored($c.append(k('ap'), 'c')), stored($c.prepend(k('ap'), 'a')), hit(k('ap'))]
  },
  'cas' => lambda {
    $c.set(k('cas'), 'v1', nil, R)
    _, token = $c.get_cas(k('cas'))
    exists = ->(r) { r == false ? 'exists' : stored(r) }
    good = exists.($c.set_cas(k('cas'), 'v2', token, nil, R))
    stale = exists.($c.set_cas(k('cas'), 'v3', token, nil, R))
    # Dalli's set_cas on a missing key would add it; replace_cas is the binary Replace with a cas.
    [good, stale, hit(k('cas')), exists.($c.replace_cas(k('casmiss'), 'x', token, nil, R))]
  },
  'incr_decr' => lambda {
    $c.set(k('ctr'), '10', nil, R)
    num = ->(r) { r.nil? ? 'not_found' : r.to_s }
    [num.($c.incr(k('ctr'), 5)), num.($c.decr(k('ctr'), 20)), num.($c.incr(k('ctrmiss'), 1))]
  },
  'touch' => lambda {
    $c.set(k('tch'), 'x', 100, R)
    t = $c.touch(k('tch'), 1000) ? 'touched' : 'not_found'
    h = $c.get(k('tch')).nil? ? 'miss' : 'hit'
    [t, h, $c.touch(k('tchmiss'), 1000) ? 'touched' : 'not_found']
  },
  'delete' => lambda {
    $c.set(k('del'), 'x', nil, R)
    d = -> { $c.delete(k('del')) ? 'deleted' : 'not_found' }
    [d.(), d.(), hit(k('del'))]
  },
  'multi_get' => lambda {
    keys = (0...100).map { |i| k("m#{i}") }
    (0...100).step(2) { |i| $c.set(k("m#{i}"), "v#{i}", nil, R) }
    got = $c.get_multi(keys)
    same = (0...100).step(2).all? { |i| got[k("m#{i}")] == "v#{i}" }
    [got.size.to_s, same ? 'same' : 'differs']
  },
  # Dalli marks marshalled (non-string) values in the flags.
  'flags' => lambda {
    $c.set(k('fl_int'), 42)
    $c.set(k('fl_obj'), { 'a' => [1, 2] })
    [$c.get(k('fl_int')) == 42 && $c.get(k('fl_obj')) == { 'a' => [1, 2] } ? 'same' : 'differs']
  },
  'key_250' => lambda {
    key = PREFIX + 'k' * (250 - PREFIX.size)
    [stored($c.set(key, 'v', nil, R)), hit(key, 'v')]
  },
  'key_251' => -> { [attempt { $c.set(PREFIX + 'k' * (251 - PREFIX.size), 'v', nil, R) }] },
  'noreply' => lambda {
    $c.multi do
      $c.set(k('nr1'), '1', nil, R)
      $c.set(k('nr2'), '2', nil, R)
      $c.delete(k('nr3'))
    end
    [hit(k('nr1')), hit(k('nr2'))]
  },
  'version' => lambda {
    v = $c.version.values.first.to_s
    m = /^(\d+)\.\d+\.\d+/.match(v)
    [m && m[1].to_i >= 1 ? 'ok' : "bad:#{v.tr(' ', '_')}"]
  },
  'stats' => lambda {
    s = $c.stats.values.first
    [s.is_a?(Hash) && s.key?('pid') && s.key?('uptime') ? 'ok' : "bad:#{s.inspect[0, 40].tr(' ', '_')}"]
  }
}.freeze

STEPS.each do |name, fn|
  out = begin
    fn.call.join(',')
  rescue StandardError => e
    "exception:#{e.class}:#{e.message.gsub(/\s+/, ' ')[0, 120]}"
  end
  puts "STEP #{name} #{out}"
  $stdout.flush
end
puts 'DONE'
