// The bundle's embedded database, as blocks reach it: one connection shared by every node.
import type { SharedResource } from "../block.ts";
import { databasePath, openDatabase, type Database } from "./database.ts";

export { openDatabase, databasePath, type Database } from "./database.ts";
export { History, type HistoryPoint, type HistoryRow, type Retention } from "./history.ts";
export { Events, type EventRecord } from "./events.ts";
export { Outbox, DEFAULT_OUTBOX, type EnqueueResult, type OutboxEntry, type OutboxOptions, type OutboxOverflow } from "./outbox.ts";

/** The bundle's database, opened by the first node that asks and closed by the engine after every block stopped. */
export function sharedDatabase(ctx: { shared: SharedResource; site: { dataDir: string } }): Database {
  return ctx.shared("dengta.db", () => openDatabase(databasePath(ctx.site.dataDir)), (db) => db.close());
}
