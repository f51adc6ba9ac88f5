-- System accounts (cash, revenue, refunds, credit_grants) are shared by every customer in a
-- currency. Keeping a running balance on their rows made each posting update, and so lock until
-- commit, the same few rows: writes for different customers queued behind each other, and a
-- renewal batch held them for all of its invoices. Their balances now follow from their entries
-- (the account_balances view); only customer accounts keep a running balance, which their own
-- CHECKs (never negative) need and which only that customer's writes touch.
--
-- Every other rule stands: entries balance per currency at commit (journal_balanced), journals
-- are append-only, and balances still move only by posting.

CREATE FUNCTION billing_account_balance_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A system account holds no running balance; a customer account starts at zero.
  NEW.balance_minor := CASE WHEN NEW.customer_id IS NULL THEN NULL ELSE 0 END;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_balance_kept BEFORE INSERT ON accounts
  FOR EACH ROW EXECUTE FUNCTION billing_account_balance_kept();

ALTER TABLE accounts ALTER COLUMN balance_minor DROP NOT NULL;
ALTER TABLE accounts DISABLE TRIGGER accounts_guard;
UPDATE accounts SET balance_minor = NULL WHERE customer_id IS NULL;
ALTER TABLE accounts ENABLE TRIGGER accounts_guard;
ALTER TABLE accounts ADD CONSTRAINT accounts_running_balance_customer_only
  CHECK ((customer_id IS NOT NULL) = (balance_minor IS NOT NULL));

-- Entries move the running balance of customer accounts only; a system account's row is not even
-- locked (the WHERE leaves it out before any lock is taken).
CREATE OR REPLACE FUNCTION billing_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts
     SET balance_minor = balance_minor
         + CASE WHEN normal_side = NEW.direction THEN NEW.amount_minor ELSE -NEW.amount_minor END
   WHERE id = NEW.account_id AND customer_id IS NOT NULL;
  RETURN NULL;
END
$$;

-- A statement that names balance_minor directly is refused even when it would change nothing
-- (NULL + 100 is NULL on a system account): balances move only by posting.
CREATE FUNCTION billing_forbid_balance_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'account balances move only by posting journal entries' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_balance_by_posting_only BEFORE UPDATE OF balance_minor ON accounts
  FOR EACH ROW EXECUTE FUNCTION billing_forbid_balance_write();

-- Every account's balance in its normal-side terms: the running balance of a customer account,
-- the sum of its entries for a system account.
CREATE VIEW account_balances AS
SELECT a.id, a.kind, a.customer_id, a.currency, a.normal_side,
       coalesce(a.balance_minor,
                (SELECT coalesce(sum(CASE WHEN e.direction = a.normal_side THEN e.amount_minor ELSE -e.amount_minor END), 0)
                   FROM journal_entries e WHERE e.account_id = a.id)) AS balance_minor
  FROM accounts a;
