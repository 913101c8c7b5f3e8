// pgledger from Java with pgJDBC. Every call is one SQL function of schema ledger; every rule is
// enforced by the database, the client only carries values and maps SQLSTATEs.
// docs/clients.md explains each step; tests/test_examples.py compiles and runs this file.
//
//   javac -cp postgresql.jar -d build LedgerExample.java
//   java -cp build:postgresql.jar LedgerExample 'jdbc:postgresql://127.0.0.1:5432/mydb?user=app'
//
// Run as a member of ledger_writer. The subscription given as the second argument (default
// "java_example") must exist: the ledger's owner creates it with
// SELECT ledger.create_subscription('java_example');

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public final class LedgerExample {

    /** SQLSTATE -> error name, as the Python client names them (docs/clients.md, "Errors"). */
    static final Map<String, String> LEDGER_ERRORS = Map.ofEntries(
            Map.entry("LG001", "ConcurrencyError"),
            Map.entry("LG002", "AccountNotFound"),
            Map.entry("LG003", "AccountAlreadyExists"),
            Map.entry("LG004", "InsufficientFunds"),
            Map.entry("LG005", "InvalidEvent"),
            Map.entry("LG006", "EventTimeOrderError"),
            Map.entry("LG007", "HistoryImmutable"),
            Map.entry("LG008", "IdempotencyConflict"),
            Map.entry("LG009", "SubscriptionError"),
            Map.entry("LG010", "ApiReplaced"),
            Map.entry("LG011", "MigrationError"));

    /** A refusal of the ledger: its SQLSTATE, name, message and hint, read from the server's fields. */
    static final class LedgerException extends RuntimeException {
        final String sqlState;
        final String name;
        final String hint;

        LedgerException(ServerErrorMessage server, SQLException cause) {
            // getMessage() of the PSQLException also carries "Where: PL/pgSQL function ..." lines;
            // the server's own fields are the message, the hint and the detail alone.
            super(server.getMessage(), cause);
            this.sqlState = server.getSQLState();
            this.name = LEDGER_ERRORS.get(sqlState);
            this.hint = server.getHint();
        }

        @Override
        public String toString() {
            return name + " (" + sqlState + "): " + getMessage() + (hint == null ? "" : "; hint: " + hint);
        }
    }

    /** The ledger's exception for an LG SQLSTATE; any other error as it is. */
    static RuntimeException translate(SQLException error) {
        if (error instanceof PSQLException psql && psql.getServerErrorMessage() != null
                && LEDGER_ERRORS.containsKey(error.getSQLState())) {
            return new LedgerException(psql.getServerErrorMessage(), error);
        }
        return new RuntimeException(error);
    }

    /** Runs a statement whose one row and column is a bigint (a version, a position). */
    static long bigint(Connection conn, String sql, Object... args) {
        try (PreparedStatement statement = conn.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]); // UUID, BigDecimal, OffsetDateTime, String, Long
            }
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException error) {
            throw translate(error);
        }
    }

    public static void main(String[] args) throws SQLException {
        String url = args.length > 0 ? args[0] : System.getenv("JDBC_URL");
        String subscription = args.length > 1 ? args[1] : "java_example";
        UUID account = UUID.randomUUID();

        try (Connection conn = DriverManager.getConnection(url)) {
            // 1. Open an account and deposit with the payer's reference: a java.util.UUID binds as
            //    uuid, a BigDecimal as numeric (exact; never a double).
            long version = bigint(conn, "SELECT ledger.open_account(?, ?)", account, "Ada Lovelace");
            System.out.println("open_account " + account + " -> version " + version);
            //    The event id is ours: a retry with it (after a lost connection, say) is applied once.
            String deposit = "SELECT ledger.deposit(p_account_id => ?, p_amount => ?, p_event_id => ?, p_reference => ?)";
            UUID depositId = UUID.randomUUID();
            version = bigint(conn, deposit, account, new BigDecimal("100.00"), depositId, "June salary");
            System.out.println("deposit 100.00 reference \"June salary\" -> version " + version);
            version = bigint(conn, deposit, account, new BigDecimal("100.00"), depositId, "June salary");
            System.out.println("the same deposit again (same event id) -> version " + version);

            // The trap: the uuid as a String is a varchar parameter, and no ledger function takes one.
            try (PreparedStatement statement = conn.prepareStatement("SELECT * FROM ledger.account_state(?)")) {
                statement.setString(1, account.toString());
                statement.executeQuery();
            } catch (SQLException error) {
                System.out.println("uuid bound as a String: SQLSTATE " + error.getSQLState() + ": "
                        + error.getMessage().lines().findFirst().orElse(""));
            }

            // 2. A refused withdrawal: SQLSTATE LG004.
            try {
                bigint(conn, "SELECT ledger.withdraw(?, ?)", account, new BigDecimal("500.00"));
            } catch (LedgerException refused) {
                System.out.println("withdraw 500.00 refused: " + refused);
                String[] full = refused.getCause().getMessage().split("\n");
                System.out.println("  (PSQLException.getMessage() has " + full.length + " lines, the last: "
                        + full[full.length - 1].trim() + ")");
            }

            // 3. A transaction: two calls commit together (autocommit off, commit or roll back).
            conn.setAutoCommit(false);
            try {
                version = bigint(conn, "SELECT ledger.withdraw(?, ?, p_expected_version => ?)",
                        account, new BigDecimal("30.25"), 2L);
                String events = """
                        [{"event_type": "MoneyDeposited", "payload": {"amount": "5.00", "reference": "refund"}},
                         {"event_type": "MoneyWithdrawn", "payload": {"amount": "1.50"}}]""";
                version = bigint(conn, "SELECT ledger.append(?, ?, ?::jsonb)", account, version, events);
                conn.commit();
                System.out.println("one transaction: withdraw 30.25 and append 2 events -> version " + version);
            } catch (RuntimeException error) {
                conn.rollback();
                throw error;
            } finally {
                conn.setAutoCommit(true);
            }
            try {
                bigint(conn, "SELECT ledger.deposit(?, ?, ?)", account, new BigDecimal("1.00"), 2L);
            } catch (LedgerException stale) {
                System.out.println("stale expected_version: " + stale);
            }

            // 4. A temporal read at a time the database gave: OffsetDateTime keeps the microseconds.
            OffsetDateTime lastEventAt;
            try (PreparedStatement statement = conn.prepareStatement(
                    "SELECT version, balance, last_event_at FROM ledger.account_state(?)")) {
                statement.setObject(1, account);
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    lastEventAt = row.getObject("last_event_at", OffsetDateTime.class);
                    System.out.println("account_state: version " + row.getLong("version") + ", balance "
                            + row.getBigDecimal("balance") + ", last_event_at " + lastEventAt);
                }
            }
            try (PreparedStatement statement = conn.prepareStatement(
                    "SELECT version, balance FROM ledger.account_state_at(?, ?)")) {
                statement.setObject(1, account);
                statement.setObject(2, lastEventAt);
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    System.out.println("account_state_at(last_event_at) -> version " + row.getLong("version")
                            + ", balance " + row.getBigDecimal("balance"));
                }
            }

            // 5. One subscriber batch: positions first (own transaction), then claim, read, handle, advance.
            bigint(conn, "SELECT ledger.assign_positions()");
            conn.setAutoCommit(false);
            try {
                Long checkpoint;
                try (PreparedStatement statement = conn.prepareStatement("SELECT ledger.claim_subscription(?)")) {
                    statement.setString(1, subscription);
                    try (ResultSet row = statement.executeQuery()) {
                        row.next();
                        checkpoint = row.getObject(1, Long.class); // null: another instance holds it
                    }
                }
                if (checkpoint == null) {
                    conn.rollback();
                    System.out.println("subscription " + subscription + " is held by another instance");
                } else {
                    long last = checkpoint;
                    int count = 0;
                    try (PreparedStatement statement = conn.prepareStatement(
                            "SELECT position, event_type, payload FROM ledger.read_all(?, ?)")) {
                        statement.setLong(1, checkpoint);
                        statement.setInt(2, 100);
                        try (ResultSet row = statement.executeQuery()) {
                            while (row.next()) {
                                // Handle it here; writes on this connection commit with the checkpoint.
                                last = row.getLong("position");
                                count++;
                                System.out.println("  position " + last + ": " + row.getString("event_type") + " "
                                        + row.getString("payload"));
                            }
                        }
                    }
                    if (count > 0) {
                        bigint(conn, "SELECT ledger.advance_subscription(?, ?)", subscription, last);
                    }
                    conn.commit();
                    System.out.println("subscriber " + subscription + ": " + count + " events from position "
                            + checkpoint + ", checkpoint now " + last);
                }
            } catch (RuntimeException | SQLException error) {
                conn.rollback();
                throw error;
            } finally {
                conn.setAutoCommit(true);
            }
        }
    }
}
