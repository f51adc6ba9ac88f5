-- The ledger: currencies, customers (accounts hang off them), accounts, journal transactions and
-- their entries. Everything about money is decided here; the documents in 0002 explain it.
--
-- Chart of accounts (one account per kind and currency; the two customer kinds also per customer).
-- balance_minor is kept in the account's normal-side terms (debit-normal: debits - credits;
-- credit-normal: credits - debits), so a positive balance always reads the natural way.
--
--   kind             side    owner     what it holds
--   cash             debit   system    money received and not refunded (bank and provider clearing)
--   receivable       debit   customer  what the customer owes on open invoices; never negative
--   customer_credit  credit  customer  credit we owe the customer (grants, overpayments, proration);
--                                      never negative
--   revenue          credit  system    invoiced revenue (proration credits debit it)
--   refunds          debit   system    contra-revenue: refunds paid out of invoiced revenue
--   credit_grants    debit   system    expense: goodwill credit granted (expiry credits it back)
--
-- Postings (Dr / Cr):
--   invoice issued     receivable / revenue        (a net-negative proration: revenue / customer_credit)
--   credit applied     customer_credit / receivable
--   payment received   cash / receivable (the part applied) + customer_credit (any overpayment)
--   refund issued      customer_credit (unused overpayment credit first) + refunds / cash
--   credit granted     credit_grants / customer_credit
--   credit expired     customer_credit / credit_grants
--   reversal           the mirror image of the journal transaction it reverses
--
-- Money is bigint minor units everywhere; there is no float or numeric on the money path.

CREATE TABLE currencies (
  code     text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  name     text NOT NULL
);

INSERT INTO currencies (code, exponent, name) VALUES
  ('AED', 2, 'UAE dirham'),
  ('AUD', 2, 'Australian dollar'),
  ('BHD', 3, 'Bahraini dinar'),
  ('BRL', 2, 'Brazilian real'),
  ('CAD', 2, 'Canadian dollar'),
  ('CHF', 2, 'Swiss franc'),
  ('CLP', 0, 'Chilean peso'),
  ('CNY', 2, 'Chinese yuan'),
  ('CZK', 2, 'Czech koruna'),
  ('DKK', 2, 'Danish krone'),
  ('EUR', 2, 'Euro'),
  ('GBP', 2, 'Pound sterling'),
  ('HKD', 2, 'Hong Kong dollar'),
  ('HUF', 2, 'Hungarian forint'),
  ('IDR', 2, 'Indonesian rupiah'),
  ('ILS', 2, 'Israeli new shekel'),
  ('INR', 2, 'Indian rupee'),
  ('ISK', 0, 'Icelandic krona'),
  ('JOD', 3, 'Jordanian dinar'),
  ('JPY', 0, 'Japanese yen'),
  ('KRW', 0, 'South Korean won'),
  ('KWD', 3, 'Kuwaiti dinar'),
  ('MXN', 2, 'Mexican peso'),
  ('NOK', 2, 'Norwegian krone'),
  ('NZD', 2, 'New Zealand dollar'),
  ('OMR', 3, 'Omani rial'),
  ('PLN', 2, 'Polish zloty'),
  ('SAR', 2, 'Saudi riyal'),
  ('SEK', 2, 'Swedish krona'),
  ('SGD', 2, 'Singapore dollar'),
  ('TND', 3, 'Tunisian dinar'),
  ('TRY', 2, 'Turkish lira'),
  ('USD', 2, 'US dollar'),
  ('VND', 0, 'Vietnamese dong'),
  ('ZAR', 2, 'South African rand');

CREATE TABLE customers (
  id         text PRIMARY KEY CHECK (id ~ '^cus_[a-z0-9_]{4,64}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email      text CHECK (length(email) BETWEEN 3 AND 254),
  currency   text NOT NULL REFERENCES currencies (code),
  created_at timestamptz NOT NULL
);
CREATE INDEX customers_email ON customers (lower(email));
CREATE INDEX customers_created ON customers (created_at DESC, id DESC);

CREATE TABLE accounts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('cash', 'receivable', 'customer_credit', 'revenue', 'refunds', 'credit_grants')),
  customer_id   text REFERENCES customers (id),
  currency      text NOT NULL REFERENCES currencies (code),
  normal_side   text NOT NULL,
  balance_minor bigint NOT NULL DEFAULT 0,
  CONSTRAINT accounts_one_per_owner UNIQUE NULLS NOT DISTINCT (kind, customer_id, currency),
  CONSTRAINT accounts_id_currency UNIQUE (id, currency),
  CONSTRAINT accounts_owner CHECK ((kind IN ('receivable', 'customer_credit')) = (customer_id IS NOT NULL)),
  CONSTRAINT accounts_normal_side CHECK (
    normal_side = CASE WHEN kind IN ('customer_credit', 'revenue') THEN 'credit' ELSE 'debit' END),
  -- A customer never owes a negative amount (that would be credit) and never holds negative credit.
  CONSTRAINT accounts_customer_balance_not_negative CHECK (
    kind NOT IN ('receivable', 'customer_credit') OR balance_minor >= 0)
);

CREATE TABLE journal_transactions (
  id          text PRIMARY KEY CHECK (id ~ '^jtx_[a-z0-9_]{4,64}$'),
  kind        text NOT NULL CHECK (kind IN (
                'invoice_issued', 'credit_applied', 'payment_received', 'refund_issued',
                'credit_granted', 'credit_expired', 'reversal')),
  memo        text NOT NULL CHECK (length(memo) BETWEEN 1 AND 500),
  customer_id text REFERENCES customers (id),
  -- The document this posting belongs to (inv_, pay_, re_, crd_ id); documents point back by id.
  document_id text,
  reverses_id text UNIQUE REFERENCES journal_transactions (id),
  posted_at   timestamptz NOT NULL,
  -- The database transaction that created it: entries can only be added in that same transaction.
  xact        xid8 NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT journal_transactions_reversal CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
);
CREATE INDEX journal_transactions_customer ON journal_transactions (customer_id, posted_at);

CREATE TABLE journal_entries (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  journal_transaction_id text NOT NULL REFERENCES journal_transactions (id),
  account_id             bigint NOT NULL,
  currency               text NOT NULL,
  direction              text NOT NULL CHECK (direction IN ('debit', 'credit')),
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  -- The entry's currency is its account's currency, so balancing per currency is exact.
  FOREIGN KEY (account_id, currency) REFERENCES accounts (id, currency)
);
CREATE INDEX journal_entries_transaction ON journal_entries (journal_transaction_id);
CREATE INDEX journal_entries_account ON journal_entries (account_id);

-- Append-only tables: a posted fact is never edited or removed; a correction is a new row.
CREATE FUNCTION billing_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Post a correcting entry (a reversal) instead of changing a recorded one.';
END
$$;

CREATE TRIGGER journal_transactions_append_only BEFORE UPDATE OR DELETE ON journal_transactions
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_change();
CREATE TRIGGER journal_transactions_no_truncate BEFORE TRUNCATE ON journal_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION billing_forbid_change();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION billing_forbid_change();

CREATE FUNCTION billing_journal_stamp_xact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.xact := pg_current_xact_id();
  RETURN NEW;
END
$$;
CREATE TRIGGER journal_transactions_stamp BEFORE INSERT ON journal_transactions
  FOR EACH ROW EXECUTE FUNCTION billing_journal_stamp_xact();

-- Entries join only a journal transaction opened in the same database transaction, so a committed
-- (balanced) journal transaction can never gain entries later.
CREATE FUNCTION billing_entry_same_xact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM journal_transactions
                  WHERE id = NEW.journal_transaction_id AND xact = pg_current_xact_id()) THEN
    RAISE EXCEPTION 'journal transaction % was posted earlier; its entries are final', NEW.journal_transaction_id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER journal_entries_same_xact BEFORE INSERT ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION billing_entry_same_xact();

-- Account balances follow from the entries; nothing else may move them.
CREATE FUNCTION billing_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts
     SET balance_minor = balance_minor
         + CASE WHEN normal_side = NEW.direction THEN NEW.amount_minor ELSE -NEW.amount_minor END
   WHERE id = NEW.account_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER journal_entries_apply AFTER INSERT ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION billing_apply_entry();

CREATE FUNCTION billing_guard_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'accounts are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW.kind, NEW.customer_id, NEW.currency, NEW.normal_side)
     IS DISTINCT FROM (OLD.kind, OLD.customer_id, OLD.currency, OLD.normal_side) THEN
    RAISE EXCEPTION 'an account''s kind, owner, currency and side are fixed' USING ERRCODE = 'restrict_violation';
  END IF;
  -- Depth 1 is a statement run directly against accounts; entries move balances from depth 2.
  IF NEW.balance_minor IS DISTINCT FROM OLD.balance_minor AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'account balances move only by posting journal entries' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_guard BEFORE UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION billing_guard_account();

-- Debits equal credits, per currency, in every journal transaction, checked at commit.
CREATE FUNCTION billing_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT currency,
         sum(CASE WHEN direction = 'debit' THEN amount_minor ELSE 0 END) AS debits,
         sum(CASE WHEN direction = 'credit' THEN amount_minor ELSE 0 END) AS credits
    INTO bad
    FROM journal_entries
   WHERE journal_transaction_id = NEW.journal_transaction_id
   GROUP BY currency
  HAVING sum(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal transaction % does not balance in %: debits % <> credits %',
      NEW.journal_transaction_id, bad.currency, bad.debits, bad.credits
      USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_balanced';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_balanced AFTER INSERT ON journal_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_check_balanced();

CREATE FUNCTION billing_check_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM journal_entries WHERE journal_transaction_id = NEW.id) THEN
    RAISE EXCEPTION 'journal transaction % has no entries', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_has_entries';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_has_entries AFTER INSERT ON journal_transactions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_check_has_entries();
