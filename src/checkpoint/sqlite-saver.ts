import type { RunnableConfig } from "@langchain/core/runnables";
import { WRITES_IDX_MAP, type Checkpoint, type CheckpointMetadata, type CheckpointTuple, type PendingWrite } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";

/** A better-sqlite3 statement, as far as this saver uses it. */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** The better-sqlite3 calls this saver makes (SqliteSaver types `db` as its own Database). */
interface Db {
  prepare(sql: string): Statement;
  transaction(fn: () => void): () => void;
}

/** A save waiting for the next commit, and how to tell its caller the outcome. */
type QueuedSave = { write: () => void; settle: (error?: unknown) => void };

type CheckpointRow = {
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  type: string | null;
  checkpoint: Uint8Array | string;
  metadata: Uint8Array | string;
};

type WriteRow = { task_id: string; channel: string; type: string | null; value: Uint8Array | string | null };

/** Columns of one `writes` row, in INSERT order. */
const WRITE_COLUMNS = 8;

/**
 * Rows per INSERT into `writes`. A step's writes fit in one statement (a researcher step saves 2–6),
 * and SQLite allows 32,766 parameters; a bigger save is split, still inside one transaction.
 */
const MAX_ROWS_PER_INSERT = 64;

/**
 * SqliteSaver with the same tables and stored format, at less CPU per call.
 *
 * SqliteSaver prepares a statement on every put and putWrites (better-sqlite3 does not cache them),
 * inserts a step's writes one statement each, copies the checkpoint before serialising it, and
 * reads a checkpoint's writes back as one JSON string built by SQLite (`json_group_array` over
 * every value cast to text, so each value is escaped into the string and parsed twice), together
 * with a `pending_sends` subquery getTuple never uses. Here statements are prepared once, a step's
 * writes are one multi-row INSERT, and getTuple reads the checkpoint and its writes as plain rows.
 *
 * Saves are committed in groups: every put and putWrites made in one turn of the event loop (the
 * parallel units' steps that finish together) goes into one transaction at the end of that turn,
 * and each caller's promise settles when it is committed, so a step that awaits its checkpoint
 * (durability "sync") still goes on only once the checkpoint is on disk. A commit, not a row, is
 * what costs: at 16 units a run made ~215 of them, each a WAL append and a lock. Every read here
 * commits what is queued first, so this process always reads its own saves.
 * `list` and `deleteThread` are SqliteSaver's after that commit; the migration of pre-v4 checkpoints is its own.
 */
export class LeanSqliteSaver extends SqliteSaver {
  private statements?: {
    latest: Statement;
    byId: Statement;
    writesOf: Statement;
    putCheckpoint: Statement;
  };

  /** INSERT statements for `writes`, by conflict rule and row count. */
  private readonly insertWrites = new Map<string, Statement>();

  /**
   * Saves made in this turn of the event loop, committed together at its end. Emptied in place, never
   * replaced: the CLI reads through `Object.create(saver)` views (src/cli/runMetadata.ts), where an
   * assignment would give the view an array of its own and leave the saver's saves to run twice.
   */
  private readonly queued: QueuedSave[] = [];

  /** Transactions committed by this saver (tests count them). */
  commits = 0;

  private get sql(): Db {
    return this.db as unknown as Db;
  }

  override setup(): void {
    if (this.statements) return;
    super.setup();
    const select = `SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?`;
    this.statements = {
      latest: this.sql.prepare(`${select} ORDER BY checkpoint_id DESC LIMIT 1`),
      byId: this.sql.prepare(`${select} AND checkpoint_id = ?`),
      // The primary key's order, in which SqliteSaver's subquery also returned them.
      writesOf: this.sql.prepare(
        `SELECT task_id, channel, type, value FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ? ORDER BY task_id, idx`,
      ),
      putCheckpoint: this.sql.prepare(
        `INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    this.setup();
    this.commitPending();
    const statements = this.statements!;
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    const row = (checkpoint_id ? statements.byId.get(thread_id, checkpoint_ns, checkpoint_id) : statements.latest.get(thread_id, checkpoint_ns)) as
      CheckpointRow | undefined;
    if (row === undefined) return undefined;
    const finalConfig = checkpoint_id ? config : { configurable: { thread_id, checkpoint_ns, checkpoint_id: row.checkpoint_id } };
    if (finalConfig.configurable?.thread_id === undefined || finalConfig.configurable?.checkpoint_id === undefined) {
      throw new Error("Missing thread_id or checkpoint_id");
    }
    const writes = statements.writesOf.all(thread_id, checkpoint_ns, row.checkpoint_id) as WriteRow[];
    const pendingWrites: [string, string, unknown][] = [];
    for (const write of writes) {
      pendingWrites.push([write.task_id, write.channel, await this.serde.loadsTyped(write.type ?? "json", asBytes(write.value ?? ""))]);
    }
    const type = row.type ?? "json";
    const checkpoint = (await this.serde.loadsTyped(type, asBytes(row.checkpoint))) as Checkpoint;
    if (checkpoint.v < 4 && row.parent_checkpoint_id != null) await this.migratePendingSends(checkpoint, thread_id, row.parent_checkpoint_id);
    return {
      checkpoint,
      config: finalConfig,
      metadata: (await this.serde.loadsTyped(type, asBytes(row.metadata))) as CheckpointMetadata,
      parentConfig: row.parent_checkpoint_id ? { configurable: { thread_id, checkpoint_ns, checkpoint_id: row.parent_checkpoint_id } } : undefined,
      pendingWrites,
    };
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    this.setup();
    if (!config.configurable) throw new Error("Empty configuration supplied.");
    const thread_id = config.configurable.thread_id;
    const checkpoint_ns = config.configurable.checkpoint_ns ?? "";
    if (!thread_id) throw new Error(`Missing "thread_id" field in passed "config.configurable".`);
    // The fields SqliteSaver's copyCheckpoint keeps, uncopied: serialising reads them and changes nothing.
    const stored = {
      v: checkpoint.v,
      id: checkpoint.id,
      ts: checkpoint.ts,
      channel_values: checkpoint.channel_values ?? {},
      channel_versions: checkpoint.channel_versions ?? {},
      versions_seen: checkpoint.versions_seen ?? {},
    };
    // Both serialise now, in this tick, before anyone else can change what they read.
    const [[type, serializedCheckpoint], [metadataType, serializedMetadata]] = await Promise.all([this.serde.dumpsTyped(stored), this.serde.dumpsTyped(metadata)]);
    if (type !== metadataType) throw new Error("Failed to serialized checkpoint and metadata to the same type.");
    const parent = config.configurable.checkpoint_id;
    await this.commitSoon(() => this.statements!.putCheckpoint.run(thread_id, checkpoint_ns, checkpoint.id, parent, type, serializedCheckpoint, serializedMetadata));
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    this.setup();
    if (!config.configurable) throw new Error("Empty configuration supplied.");
    const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable;
    if (!thread_id) throw new Error("Missing thread_id field in config.configurable.");
    if (!checkpoint_id) throw new Error("Missing checkpoint_id field in config.configurable.");
    if (writes.length === 0) return;
    // Writes to special channels (errors, interrupts…) replace an earlier one; others keep the first.
    const replace = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    const dumped = await Promise.all(writes.map(([, value]) => this.serde.dumpsTyped(value)));
    const params: unknown[] = [];
    writes.forEach(([channel], idx) => {
      const [type, value] = dumped[idx]!;
      params.push(thread_id, checkpoint_ns, checkpoint_id, taskId, WRITES_IDX_MAP[channel] ?? idx, channel, type, value);
    });
    await this.commitSoon(() => {
      for (let row = 0; row < writes.length; row += MAX_ROWS_PER_INSERT) {
        const rows = Math.min(MAX_ROWS_PER_INSERT, writes.length - row);
        this.insertWritesStatement(replace, rows).run(...params.slice(row * WRITE_COLUMNS, (row + rows) * WRITE_COLUMNS));
      }
    });
  }

  override async *list(...args: Parameters<SqliteSaver["list"]>): ReturnType<SqliteSaver["list"]> {
    this.commitPending();
    yield* super.list(...args);
  }

  override async deleteThread(threadId: string): Promise<void> {
    this.commitPending();
    await super.deleteThread(threadId);
  }

  /** Queues `write` for the commit at the end of this turn of the event loop; resolves once it is committed. */
  private commitSoon(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitPending());
      this.queued.push({ write, settle: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  /**
   * Commits every queued save in one transaction. If it fails (a full disk, a lock held past the
   * busy timeout), nothing of it is saved and every save in it fails with that error.
   */
  commitPending(): void {
    if (this.queued.length === 0) return;
    const queued = this.queued.splice(0);
    try {
      this.sql.transaction(() => {
        for (const save of queued) save.write();
      })();
      this.commits += 1;
    } catch (error) {
      for (const save of queued) save.settle(error);
      return;
    }
    for (const save of queued) save.settle();
  }

  /** `INSERT OR REPLACE|IGNORE INTO writes … VALUES (…), (…)` for `rows` rows, prepared on first use. */
  private insertWritesStatement(replace: boolean, rows: number): Statement {
    const key = `${replace ? "replace" : "ignore"}:${rows}`;
    let statement = this.insertWrites.get(key);
    if (!statement) {
      const values = Array.from({ length: rows }, () => `(${Array(WRITE_COLUMNS).fill("?").join(", ")})`).join(", ");
      statement = this.sql.prepare(
        `INSERT ${replace ? "OR REPLACE" : "OR IGNORE"} INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value) VALUES ${values}`,
      );
      this.insertWrites.set(key, statement);
    }
    return statement;
  }
}

/**
 * BLOB columns come back as Buffers; the serializer is handed a plain Uint8Array over the same
 * memory, as it produced one. Text (as older savers may have stored) passes as it is.
 */
function asBytes(value: Uint8Array | string): Uint8Array | string {
  return Buffer.isBuffer(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}
