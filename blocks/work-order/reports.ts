// The reports table in the bundle's shared database: one row per accepted work-order report.
import type { StatementSync } from "node:sqlite";
import type { Database } from "../../runtime/storage/index.ts";

export interface NewReport {
  node: string;
  formToken: string;
  submittedAt: number;
  /** The site's calendar day of submittedAt, "YYYY-MM-DD": what "today's reports" selects on. */
  day: string;
  order: string;
  product: string | null;
  machine: string | null;
  planned: number | null;
  good: number;
  scrap: number;
  reason: string | null;
  operator: string;
  remoteAddress: string | null;
}

export interface StoredReport extends Omit<NewReport, "formToken"> {
  id: number;
}

// The block creates its own table, as history and the outbox are created by the runtime: in the
// same file, so there is still one database to back up. IF NOT EXISTS makes every start safe.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS work_order_reports (
    id INTEGER PRIMARY KEY,
    node TEXT NOT NULL,
    form_token TEXT NOT NULL UNIQUE,
    submitted_at INTEGER NOT NULL,
    day TEXT NOT NULL,
    order_id TEXT NOT NULL,
    product TEXT,
    machine TEXT,
    planned INTEGER,
    good INTEGER NOT NULL,
    scrap INTEGER NOT NULL,
    reason TEXT,
    operator TEXT NOT NULL,
    remote_address TEXT
  );
  CREATE INDEX IF NOT EXISTS work_order_reports_node_day ON work_order_reports (node, day, submitted_at);`;

const COLUMNS = `id, node, submitted_at AS submittedAt, day, order_id AS "order", product, machine, planned, good, scrap, reason, operator, remote_address AS remoteAddress`;

export class WorkOrderReports {
  private readonly sql: Record<"insert" | "byId" | "ofDay", StatementSync>;

  constructor(private readonly db: Database) {
    db.sqlite.exec(SCHEMA);
    this.sql = {
      insert: db.sqlite.prepare(`INSERT INTO work_order_reports
        (node, form_token, submitted_at, day, order_id, product, machine, planned, good, scrap, reason, operator, remote_address)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (form_token) DO NOTHING`),
      byId: db.sqlite.prepare(`SELECT ${COLUMNS} FROM work_order_reports WHERE node = ? AND id = ?`),
      ofDay: db.sqlite.prepare(`SELECT ${COLUMNS} FROM work_order_reports WHERE node = ? AND day = ? ORDER BY submitted_at, id LIMIT ?`),
    };
  }

  /**
   * The new row's id, or undefined when a report with the same form token was already stored:
   * a form is accepted once. Committed durably, because "accepted" is what the operator was told.
   */
  add(report: NewReport): number | undefined {
    return this.db.transaction(() => {
      const result = this.sql.insert.run(
        report.node, report.formToken, report.submittedAt, report.day, report.order, report.product, report.machine,
        report.planned, report.good, report.scrap, report.reason, report.operator, report.remoteAddress,
      );
      return Number(result.changes) === 0 ? undefined : Number(result.lastInsertRowid);
    }, { durable: true });
  }

  get(node: string, id: number): StoredReport | undefined {
    return this.sql.byId.get(node, id) as StoredReport | undefined;
  }

  ofDay(node: string, day: string, limit = 5000): StoredReport[] {
    return this.sql.ofDay.all(node, day, limit) as unknown as StoredReport[];
  }
}
