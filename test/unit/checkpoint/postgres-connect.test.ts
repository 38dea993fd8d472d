import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { CheckpointConfigError } from "../../../src/checkpoint/errors.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";

// These need no PostgreSQL: nothing listens on port 1, and the "silent" server never answers.

async function expectConfigError(uri: string, reason: string, mentions: string): Promise<void> {
  const started = Date.now();
  await assert.rejects(openCheckpointer({ postgresUri: uri }), (error: unknown) => {
    assert.ok(error instanceof CheckpointConfigError, `got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    assert.ok(error.message.includes(mentions), error.message);
    assert.ok(error.message.includes("postgres://fanout:***@"), error.message);
    assert.ok(!error.message.includes("s3cret"), error.message);
    assert.ok(!String((error.cause as Error | undefined)?.message).includes("s3cret"));
    return true;
  });
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
}

test("nothing listening: refused, names host:port", async () => {
  await expectConfigError("postgres://fanout:s3cret@127.0.0.1:1/research", "refused", "127.0.0.1:1");
});

test("unknown host: host-not-found", async () => {
  await expectConfigError("postgres://fanout:s3cret@no-such-host.invalid:5432/research", "host-not-found", "no-such-host.invalid");
});

let silent: Server;
const sockets: Socket[] = [];
before(async () => {
  // Accepts TCP connections and never speaks: the classic firewall / wrong-service hang.
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
});
after(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
});

test("server that never answers: timeout within 5 s", async () => {
  const { port } = silent.address() as AddressInfo;
  await expectConfigError(`postgres://fanout:s3cret@127.0.0.1:${port}/research`, "timeout", `127.0.0.1:${port}`);
});
