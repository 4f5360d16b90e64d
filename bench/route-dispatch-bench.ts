/**
 * Micro-benchmark behind the route-handle interface choice (README, Architecture): routing
 * through a three-level tree (operation selector → hash → leaf) with handler objects (what
 * proxy/routes uses) against the same tree written with promises and async functions.
 *
 * The leaf answers later, from a queue drained once per batch, the way destination replies arrive
 * together in one socket read. Run: `npx tsx bench/route-dispatch-bench.ts`.
 */
import { McReply, type ReplySink } from '../proxy/protocol/reply.js';
import { McRequest } from '../proxy/protocol/request.js';
import { Op } from '../proxy/protocol/op.js';
import { createHashSelector } from '../proxy/hash/hash-selector.js';

const BATCH = 100;
const TOTAL = 2_000_000;
const REPLY = McReply.STORED;

// ---- handler objects ----
interface Handle {
  route(req: McRequest, sink: ReplySink): void;
}
const pendingSinks: ReplySink[] = [];
class Leaf implements Handle {
  route(_req: McRequest, sink: ReplySink): void {
    pendingSinks.push(sink);
  }
}
class Hash implements Handle {
  private readonly select = createHashSelector({ n: 3 });
  constructor(private readonly children: Handle[]) {}
  route(req: McRequest, sink: ReplySink): void {
    (this.children[this.select(req.key, 0, req.key.length)] as Handle).route(req, sink);
  }
}
class Selector implements Handle {
  constructor(private readonly byOp: Handle[]) {}
  route(req: McRequest, sink: ReplySink): void {
    (this.byOp[req.op] as Handle).route(req, sink);
  }
}
let done = 0;
class Slot implements ReplySink {
  reply: McReply | null = null;
  onReply(reply: McReply): void {
    this.reply = reply;
    done++;
  }
}

// ---- promises ----
interface AsyncHandle {
  route(req: McRequest): Promise<McReply>;
}
const pendingResolvers: ((r: McReply) => void)[] = [];
class AsyncLeaf implements AsyncHandle {
  route(): Promise<McReply> {
    return new Promise((resolve) => pendingResolvers.push(resolve));
  }
}
class AsyncHash implements AsyncHandle {
  private readonly select = createHashSelector({ n: 3 });
  constructor(private readonly children: AsyncHandle[]) {}
  async route(req: McRequest): Promise<McReply> {
    return (this.children[this.select(req.key, 0, req.key.length)] as AsyncHandle).route(req);
  }
}
class AsyncSelector implements AsyncHandle {
  constructor(private readonly byOp: AsyncHandle[]) {}
  async route(req: McRequest): Promise<McReply> {
    return (this.byOp[req.op] as AsyncHandle).route(req);
  }
}

const keys = Array.from({ length: 1000 }, (_, i) => Buffer.from(`key:${i}:abcdefgh`));
const reqs = keys.map((k) => new McRequest(Op.Get, k));

function handlers(): number {
  const leaves = [new Leaf(), new Leaf(), new Leaf()];
  const tree = new Selector([new Hash(leaves)]);
  done = 0;
  const t0 = performance.now();
  for (let n = 0; n < TOTAL; n += BATCH) {
    for (let i = 0; i < BATCH; i++) tree.route(reqs[(n + i) % reqs.length] as McRequest, new Slot());
    for (const s of pendingSinks) s.onReply(REPLY);
    pendingSinks.length = 0;
  }
  if (done !== TOTAL) throw new Error('lost replies');
  return TOTAL / ((performance.now() - t0) / 1000);
}

async function promises(): Promise<number> {
  const leaves = [new AsyncLeaf(), new AsyncLeaf(), new AsyncLeaf()];
  const tree = new AsyncSelector([new AsyncHash(leaves)]);
  let count = 0;
  const t0 = performance.now();
  for (let n = 0; n < TOTAL; n += BATCH) {
    const all: Promise<void>[] = [];
    for (let i = 0; i < BATCH; i++) {
      all.push(
        tree.route(reqs[(n + i) % reqs.length] as McRequest).then(() => {
          count++;
        }),
      );
    }
    for (const r of pendingResolvers) r(REPLY);
    pendingResolvers.length = 0;
    await Promise.all(all);
  }
  if (count !== TOTAL) throw new Error('lost replies');
  return TOTAL / ((performance.now() - t0) / 1000);
}

for (let round = 0; round < 3; round++) {
  const h = handlers();
  const p = await promises();
  process.stdout.write(
    `round ${round + 1}: handler objects ${(h / 1e6).toFixed(2)} M routes/s, promises ${(p / 1e6).toFixed(2)} M routes/s (${(h / p).toFixed(1)}x)\n`,
  );
}
