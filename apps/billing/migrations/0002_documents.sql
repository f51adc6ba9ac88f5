-- Billing documents: plans, subscriptions, invoices, payments, refunds and account credit.
-- Each money movement on a document is posted to the ledger (0001) in the same transaction, and
-- the bounds that must never break are CHECK constraints here, so no writer can break them.

CREATE TABLE plans (
  id               text PRIMARY KEY CHECK (id ~ '^plan_[a-z0-9_]{2,64}$'),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description      text CHECK (length(description) <= 500),
  currency         text NOT NULL REFERENCES currencies (code),
  price_minor      bigint NOT NULL CHECK (price_minor > 0),
  billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year')),
  trial_days       integer NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 365),
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL
);

CREATE TABLE subscriptions (
  id                   text PRIMARY KEY CHECK (id ~ '^sub_[a-z0-9_]{4,64}$'),
  customer_id          text NOT NULL REFERENCES customers (id),
  plan_id              text NOT NULL REFERENCES plans (id),
  status               text NOT NULL CHECK (status IN ('trialing', 'active', 'canceled')),
  current_period_start timestamptz NOT NULL,
  current_period_end   timestamptz NOT NULL,
  trial_end            timestamptz,
  -- A plan change scheduled for the end of the current period.
  pending_plan_id      text REFERENCES plans (id),
  created_at           timestamptz NOT NULL,
  CHECK (current_period_end > current_period_start),
  CHECK (status <> 'trialing' OR trial_end IS NOT NULL)
);
CREATE UNIQUE INDEX subscriptions_one_live_per_customer ON subscriptions (customer_id) WHERE status <> 'canceled';

CREATE TABLE invoices (
  id                     text PRIMARY KEY CHECK (id ~ '^inv_[a-z0-9_]{4,64}$'),
  customer_id            text NOT NULL REFERENCES customers (id),
  subscription_id        text REFERENCES subscriptions (id),
  currency               text NOT NULL REFERENCES currencies (code),
  memo                   text CHECK (length(memo) <= 500),
  issued_at              timestamptz NOT NULL,
  due_at                 timestamptz NOT NULL,
  -- Sum of the lines; negative only for a downgrade whose proration credit exceeds the new charge
  -- (the surplus goes to account credit and the invoice total is zero).
  subtotal_minor         bigint NOT NULL,
  total_minor            bigint NOT NULL,
  credit_applied_minor   bigint NOT NULL DEFAULT 0 CHECK (credit_applied_minor >= 0),
  amount_paid_minor      bigint NOT NULL DEFAULT 0 CHECK (amount_paid_minor >= 0),
  amount_due_minor       bigint GENERATED ALWAYS AS (total_minor - credit_applied_minor - amount_paid_minor) STORED,
  status                 text GENERATED ALWAYS AS (
                           CASE WHEN total_minor - credit_applied_minor - amount_paid_minor = 0 THEN 'paid' ELSE 'open' END) STORED,
  paid_at                timestamptz,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id),
  CONSTRAINT invoices_total CHECK (total_minor = greatest(subtotal_minor, 0)),
  CONSTRAINT invoices_amount_due_not_negative CHECK (total_minor - credit_applied_minor - amount_paid_minor >= 0),
  CONSTRAINT invoices_due_after_issue CHECK (due_at >= issued_at),
  CONSTRAINT invoices_id_customer_currency UNIQUE (id, customer_id, currency)
);
CREATE INDEX invoices_issued ON invoices (issued_at DESC, id DESC);
CREATE INDEX invoices_customer_issued ON invoices (customer_id, issued_at DESC, id DESC);
CREATE INDEX invoices_open_by_due ON invoices (customer_id, due_at) WHERE status = 'open';

-- An issued invoice is final: only what settles it (credit applied, payments, paid_at) moves.
CREATE FUNCTION billing_guard_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  settling constant text[] := ARRAY['credit_applied_minor', 'amount_paid_minor', 'amount_due_minor', 'status', 'paid_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'invoices are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF (to_jsonb(NEW) - settling) IS DISTINCT FROM (to_jsonb(OLD) - settling)
     OR NEW.credit_applied_minor < OLD.credit_applied_minor OR NEW.amount_paid_minor < OLD.amount_paid_minor THEN
    RAISE EXCEPTION 'invoice % is issued: only payments and credit settle it', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invoices_guard BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION billing_guard_invoice();

CREATE TABLE invoice_lines (
  invoice_id        text NOT NULL REFERENCES invoices (id),
  position          smallint NOT NULL CHECK (position BETWEEN 1 AND 100),
  kind              text NOT NULL CHECK (kind IN ('charge', 'subscription', 'proration_credit', 'proration_charge')),
  description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  quantity          integer NOT NULL CHECK (quantity > 0),
  unit_amount_minor bigint NOT NULL,
  amount_minor      bigint NOT NULL,
  period_start      timestamptz,
  period_end        timestamptz,
  PRIMARY KEY (invoice_id, position),
  CONSTRAINT invoice_lines_amount CHECK (amount_minor = quantity * unit_amount_minor),
  -- Only a proration credit is negative; nothing is zero.
  CONSTRAINT invoice_lines_sign CHECK ((kind = 'proration_credit') = (unit_amount_minor < 0) AND unit_amount_minor <> 0)
);
CREATE TRIGGER invoice_lines_append_only BEFORE UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_change();

CREATE TABLE payments (
  id                     text PRIMARY KEY CHECK (id ~ '^pay_[a-z0-9_]{4,64}$'),
  customer_id            text NOT NULL,
  invoice_id             text NOT NULL,
  currency               text NOT NULL,
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  -- How the money was used: against the invoice, and any overpayment as account credit.
  applied_minor          bigint NOT NULL CHECK (applied_minor >= 0),
  credited_minor         bigint NOT NULL CHECK (credited_minor >= 0),
  -- Kept by the refunds trigger below, never written directly.
  refunded_minor         bigint NOT NULL DEFAULT 0,
  method                 text NOT NULL CHECK (method IN ('card', 'bank_transfer', 'direct_debit', 'cash', 'check', 'wallet', 'other')),
  provider               text NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
  provider_reference     text CHECK (length(provider_reference) BETWEEN 1 AND 200),
  note                   text CHECK (length(note) <= 500),
  received_at            timestamptz NOT NULL,
  recorded_at            timestamptz NOT NULL,
  recorded_by            text NOT NULL,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id),
  -- The payment is in the invoice's currency and for the invoice's customer.
  FOREIGN KEY (invoice_id, customer_id, currency) REFERENCES invoices (id, customer_id, currency),
  CONSTRAINT payments_split CHECK (applied_minor + credited_minor = amount_minor),
  CONSTRAINT payments_refunds_within_captured CHECK (refunded_minor BETWEEN 0 AND amount_minor),
  -- A provider event is recorded once, whatever idempotency key it arrives with.
  CONSTRAINT payments_provider_reference UNIQUE (provider, provider_reference),
  CONSTRAINT payments_id_customer_currency UNIQUE (id, customer_id, currency)
);
CREATE INDEX payments_customer ON payments (customer_id, received_at DESC);
CREATE INDEX payments_invoice ON payments (invoice_id);

CREATE TABLE credit_lots (
  id                     text PRIMARY KEY CHECK (id ~ '^crd_[a-z0-9_]{4,64}$'),
  customer_id            text NOT NULL REFERENCES customers (id),
  currency               text NOT NULL REFERENCES currencies (code),
  source                 text NOT NULL CHECK (source IN ('grant', 'overpayment', 'proration')),
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  remaining_minor        bigint NOT NULL,
  reason                 text CHECK (length(reason) <= 500),
  expires_at             timestamptz,
  expired_at             timestamptz,
  granted_by             text,
  payment_id             text REFERENCES payments (id),
  invoice_id             text REFERENCES invoices (id),
  created_at             timestamptz NOT NULL,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id),
  CONSTRAINT credit_lots_remaining_within_amount CHECK (remaining_minor BETWEEN 0 AND amount_minor),
  CONSTRAINT credit_lots_overpayment_has_payment CHECK (source <> 'overpayment' OR payment_id IS NOT NULL),
  CONSTRAINT credit_lots_only_grants_expire CHECK (expires_at IS NULL OR source = 'grant'),
  CONSTRAINT credit_lots_expired_is_empty CHECK (expired_at IS NULL OR remaining_minor = 0)
);
-- A lot only ever shrinks: spent, refunded or expired.
CREATE FUNCTION billing_guard_credit_lot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moving constant text[] := ARRAY['remaining_minor', 'expired_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'credit lots are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF (to_jsonb(NEW) - moving) IS DISTINCT FROM (to_jsonb(OLD) - moving) OR NEW.remaining_minor > OLD.remaining_minor THEN
    RAISE EXCEPTION 'credit % can only be used up, not edited', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER credit_lots_guard BEFORE UPDATE OR DELETE ON credit_lots
  FOR EACH ROW EXECUTE FUNCTION billing_guard_credit_lot();
CREATE INDEX credit_lots_open ON credit_lots (customer_id, currency) WHERE remaining_minor > 0;
CREATE UNIQUE INDEX credit_lots_one_per_payment ON credit_lots (payment_id) WHERE payment_id IS NOT NULL;

CREATE TABLE credit_applications (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  credit_lot_id          text NOT NULL REFERENCES credit_lots (id),
  invoice_id             text NOT NULL REFERENCES invoices (id),
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  applied_at             timestamptz NOT NULL,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id)
);
CREATE INDEX credit_applications_invoice ON credit_applications (invoice_id);
CREATE TRIGGER credit_applications_append_only BEFORE UPDATE OR DELETE ON credit_applications
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_change();

CREATE TABLE refunds (
  id                     text PRIMARY KEY CHECK (id ~ '^re_[a-z0-9_]{4,64}$'),
  payment_id             text NOT NULL,
  customer_id            text NOT NULL,
  currency               text NOT NULL,
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  -- The part taken back from the payment's still-unused overpayment credit.
  from_credit_minor      bigint NOT NULL DEFAULT 0,
  reason                 text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  operator_id            text NOT NULL,
  created_at             timestamptz NOT NULL,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id),
  FOREIGN KEY (payment_id, customer_id, currency) REFERENCES payments (id, customer_id, currency),
  CONSTRAINT refunds_from_credit CHECK (from_credit_minor BETWEEN 0 AND amount_minor)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_operator_day ON refunds (operator_id, created_at);
CREATE TRIGGER refunds_append_only BEFORE UPDATE OR DELETE ON refunds
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_change();

-- The refund row is the fact; the payment's running total follows from it inside the database, so
-- no writer (this service or a hand-typed INSERT) can refund more than was captured: the CHECK
-- payments_refunds_within_captured fails the insert.
CREATE FUNCTION billing_refund_applies_to_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE payments SET refunded_minor = refunded_minor + NEW.amount_minor WHERE id = NEW.payment_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER refunds_apply AFTER INSERT ON refunds
  FOR EACH ROW EXECUTE FUNCTION billing_refund_applies_to_payment();

CREATE FUNCTION billing_guard_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payments are never deleted; refund them instead' USING ERRCODE = 'restrict_violation';
  END IF;
  IF pg_trigger_depth() < 2 OR (to_jsonb(NEW) - 'refunded_minor') IS DISTINCT FROM (to_jsonb(OLD) - 'refunded_minor') THEN
    RAISE EXCEPTION 'a recorded payment is final; only refunds change it' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER payments_guard BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION billing_guard_payment();

-- Refunded amount per operator, UTC day and currency: the row lock on this upsert serialises
-- concurrent refunds by one operator, so the daily cap holds under concurrency.
CREATE TABLE refund_daily_totals (
  operator_id text NOT NULL,
  day         date NOT NULL,
  currency    text NOT NULL REFERENCES currencies (code),
  total_minor bigint NOT NULL CHECK (total_minor >= 0),
  PRIMARY KEY (operator_id, day, currency)
);
