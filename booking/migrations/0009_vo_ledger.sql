-- Issue 16 part 2: the visiting-order ledger. prisoners.vo_balance was one
-- number; now every order is a row (kind VO or PVO, a status, its dates and
-- the visit that used it) and every change to one is a row of the
-- append-only vo_history. The rules are in booking/book_vo_rules.c and
-- docs/booking.md ("Visiting orders").
--
-- prisoners.vo_balance stays as an opening balance not yet in the ledger:
-- this migration moves every convicted prisoner's balance into rows and
-- sets it to 0, and the accrual job does the same for prisoners added later
-- with a balance (bulk loads, old tools). A negative balance becomes orders
-- booked on credit (owed = 1), which the next accruals pay back.

CREATE TABLE visiting_orders (
  id INTEGER PRIMARY KEY,
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  kind TEXT NOT NULL CHECK (kind IN ('VO','PVO')),
  status TEXT NOT NULL CHECK (status IN ('available','accumulated','expired','scheduled','used')),
  issued_on TEXT NOT NULL,
  expires_on TEXT,
  visit_id TEXT REFERENCES visits(id),
  owed INTEGER NOT NULL DEFAULT 0 CHECK (owed IN (0,1)),
  repaid_on TEXT,
  source TEXT NOT NULL CHECK (source IN ('accrual','migration','staff','refund','credit'))
);
CREATE INDEX visiting_orders_prisoner ON visiting_orders(prisoner_id, status);
CREATE INDEX visiting_orders_visit ON visiting_orders(visit_id);

-- Every change to an order, oldest first. Never updated or deleted.
CREATE TABLE vo_history (
  id INTEGER PRIMARY KEY,
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  order_id INTEGER REFERENCES visiting_orders(id),
  at INTEGER NOT NULL,
  on_date TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('accrued','booked','used','refunded','expired',
    'accumulated','granted','removed','override','repaid','migrated')),
  kind TEXT CHECK (kind IN ('VO','PVO')),
  visit_id TEXT,
  actor TEXT NOT NULL,
  reason TEXT
);
CREATE INDEX vo_history_prisoner ON vo_history(prisoner_id, id);
CREATE TRIGGER vo_history_no_update BEFORE UPDATE ON vo_history
  BEGIN SELECT RAISE(ABORT, 'vo_history is append-only'); END;
CREATE TRIGGER vo_history_no_delete BEFORE DELETE ON vo_history
  BEGIN SELECT RAISE(ABORT, 'vo_history is append-only'); END;

-- One row per prisoner, kind and accrual period: the schedule's anchor (the
-- latest period) and what makes the job idempotent (a period is issued once,
-- however many times or instances run it).
CREATE TABLE vo_accruals (
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  kind TEXT NOT NULL CHECK (kind IN ('VO','PVO')),
  period_start TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (prisoner_id, kind, period_start)
);

-- Orders per period by incentive level, per establishment. No row: the
-- defaults in book_vo_rules.c (docs/booking.md).
CREATE TABLE vo_allowances (
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  incentive_level TEXT NOT NULL CHECK (incentive_level IN ('basic','standard','enhanced')),
  vos_per_14_days INTEGER NOT NULL CHECK (vos_per_14_days BETWEEN 0 AND 26),
  pvos_per_28_days INTEGER NOT NULL CHECK (pvos_per_28_days BETWEEN 0 AND 26),
  PRIMARY KEY (establishment_id, incentive_level)
);

-- Which order a session uses (HMPPS's session templates say VO, PVO, either
-- or none).
ALTER TABLE session_templates ADD COLUMN vo_kind TEXT NOT NULL DEFAULT 'either'
  CHECK (vo_kind IN ('VO','PVO','either','none'));

-- Existing balances into the ledger. The anchor of the schedule is the last
-- allocation (today when there was none).
INSERT INTO visiting_orders(prisoner_id, kind, status, issued_on, owed, source)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
  SELECT p.id, 'VO', 'available', coalesce(p.vo_allocated_on, date('now')), 0, 'migration'
  FROM prisoners p JOIN n ON n.i <= p.vo_balance WHERE p.status = 'convicted';
INSERT INTO visiting_orders(prisoner_id, kind, status, issued_on, owed, source)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
  SELECT p.id, 'VO', 'used', coalesce(p.vo_allocated_on, date('now')), 1, 'migration'
  FROM prisoners p JOIN n ON n.i <= -p.vo_balance WHERE p.status = 'convicted';
INSERT INTO vo_history(prisoner_id, order_id, at, on_date, event, kind, actor, reason)
  SELECT o.prisoner_id, o.id, CAST(strftime('%s','now') AS INTEGER), date('now'), 'migrated',
    o.kind, 'system', 'balance carried over from the single-number balance'
  FROM visiting_orders o;
INSERT INTO vo_accruals(prisoner_id, kind, period_start, at)
  SELECT id, 'VO', vo_allocated_on, CAST(strftime('%s','now') AS INTEGER) FROM prisoners
  WHERE status = 'convicted' AND vo_allocated_on IS NOT NULL;
UPDATE prisoners SET vo_balance = 0;
