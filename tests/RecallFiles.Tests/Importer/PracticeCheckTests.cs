using Npgsql;
using static RecallFiles.Tests.Importer.ImporterStore;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// Migration 0510 replaced the appointments' foreign key to practices by a check once per statement (issue 18): the same
/// guarantee for every writer, with the key's SQLSTATE. An appointment cannot name an unknown practice, by INSERT, COPY
/// or UPDATE; a practice cannot be deleted or re-keyed while appointments name it, also when the two race.
/// </summary>
[TestClass]
public sealed class PracticeCheckTests
{
    private const string ForeignKeyViolation = "23503";

    public TestContext TestContext { get; set; } = null!;

    private static string Insert(string practice, string lid) => $"""
        INSERT INTO appointments (practice_id, app_lid, starts_at, app_date, resource_lid, resource_name, first_batch_id, last_batch_id, last_change)
        VALUES ('{practice}', '{lid}', '2026-11-24 09:30', '2026-11-24', 'DDS1', 'Dr. Molina', 0, 0, 'added')
        """;

    private async Task<PostgresException> FailsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var ex = await Assert.ThrowsExactlyAsync<PostgresException>(() => command.ExecuteNonQueryAsync(TestContext.CancellationToken));
        Assert.AreEqual(ForeignKeyViolation, ex.SqlState, ex.Message);
        return ex;
    }

    private async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(TestContext.CancellationToken))!;
    }

    [TestMethod]
    public async Task Appointments_RefuseAnUnknownPractice_ByInsertCopyAndUpdate()
    {
        await using var store = await CreateAsync("rf_practice_check", Practice("ACME"));
        var ex = await FailsAsync(store.DataSource, Insert("GHOST", "A1"));
        StringAssert.Contains(ex.MessageText, "\"GHOST\"");
        // Several rows, one of them unknown: the whole statement fails.
        await FailsAsync(store.DataSource, Insert("ACME", "A1").Replace("'added')", "'added'), ('GHOST', 'A2', '2026-11-24 09:30', '2026-11-24', 'DDS1', 'Dr. Molina', 0, 0, 'added')", StringComparison.Ordinal));

        await using (var connection = await store.DataSource.OpenConnectionAsync(TestContext.CancellationToken))
        {
            var copy = await Assert.ThrowsExactlyAsync<PostgresException>(async () =>
            {
                await using var writer = await connection.BeginTextImportAsync(
                    "COPY appointments (practice_id, app_lid, starts_at, app_date, resource_lid, resource_name, first_batch_id, last_batch_id, last_change) FROM STDIN",
                    TestContext.CancellationToken);
                await writer.WriteAsync("GHOST\tC1\t2026-11-24 09:30\t2026-11-24\tDDS1\tDr. Molina\t0\t0\tadded\n");
            });
            Assert.AreEqual(ForeignKeyViolation, copy.SqlState);
        }

        Assert.AreEqual(0L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM appointments"));
        await using (var insert = store.DataSource.CreateCommand(Insert("ACME", "A1")))
        {
            Assert.AreEqual(1, await insert.ExecuteNonQueryAsync(TestContext.CancellationToken));
        }

        await FailsAsync(store.DataSource, "UPDATE appointments SET practice_id = 'GHOST' WHERE app_lid = 'A1'");
        Assert.AreEqual(1L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'ACME'"));
    }

    [TestMethod]
    public async Task Practice_CannotBeDeletedOrRekeyed_WhileAppointmentsNameIt()
    {
        // LONE has appointments but no batch, so only the check (not the batches' key) stands in the way.
        await using var store = await CreateAsync("rf_practice_check", Practice("ACME"), Practice("LONE"), Practice("EMPTY"));
        await using (var insert = store.DataSource.CreateCommand(Insert("LONE", "L1")))
        {
            await insert.ExecuteNonQueryAsync(TestContext.CancellationToken);
        }

        var ex = await FailsAsync(store.DataSource, "DELETE FROM practices WHERE id = 'LONE'");
        StringAssert.Contains(ex.MessageText, "\"LONE\"");
        await FailsAsync(store.DataSource, "UPDATE practices SET id = 'LONE2' WHERE id = 'LONE'");
        Assert.AreEqual(1L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM practices WHERE id = 'LONE'"));

        await using (var delete = store.DataSource.CreateCommand("DELETE FROM practices WHERE id = 'EMPTY'"))
        {
            Assert.AreEqual(1, await delete.ExecuteNonQueryAsync(TestContext.CancellationToken), "a practice without appointments may go");
        }
    }

    [TestMethod]
    public async Task Delete_WaitsForALoadThatNamesThePractice_AndFailsOnceItCommits()
    {
        await using var store = await CreateAsync("rf_practice_check", Practice("ACME"), Practice("LONE"));
        await using var load = await store.DataSource.OpenConnectionAsync(TestContext.CancellationToken);
        await using var transaction = await load.BeginTransactionAsync(TestContext.CancellationToken);
        await using (var insert = new NpgsqlCommand(Insert("LONE", "L1"), load, transaction))
        {
            await insert.ExecuteNonQueryAsync(TestContext.CancellationToken);
        }

        await using var deleter = await store.DataSource.OpenConnectionAsync(TestContext.CancellationToken);
        var deleterPid = deleter.ProcessID;
        await using var delete = new NpgsqlCommand("DELETE FROM practices WHERE id = 'LONE'", deleter);
        var deleting = delete.ExecuteNonQueryAsync(TestContext.CancellationToken);
        await WaitUntilBlockedAsync(store.DataSource, deleterPid);
        Assert.IsFalse(deleting.IsCompleted, "the delete waits for the load's lock");

        await transaction.CommitAsync(TestContext.CancellationToken);
        var ex = await Assert.ThrowsExactlyAsync<PostgresException>(() => deleting);
        Assert.AreEqual(ForeignKeyViolation, ex.SqlState, ex.Message);
        Assert.AreEqual(1L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM practices WHERE id = 'LONE'"));
        Assert.AreEqual(1L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM appointments WHERE practice_id = 'LONE'"));
    }

    [TestMethod]
    public async Task Insert_WaitsForADeleteOfItsPractice_AndFailsOnceItCommits()
    {
        await using var store = await CreateAsync("rf_practice_check", Practice("ACME"), Practice("LONE"));
        await using var deleter = await store.DataSource.OpenConnectionAsync(TestContext.CancellationToken);
        await using var transaction = await deleter.BeginTransactionAsync(TestContext.CancellationToken);
        await using (var delete = new NpgsqlCommand("DELETE FROM practices WHERE id = 'LONE'", deleter, transaction))
        {
            Assert.AreEqual(1, await delete.ExecuteNonQueryAsync(TestContext.CancellationToken));
        }

        await using var load = await store.DataSource.OpenConnectionAsync(TestContext.CancellationToken);
        var loadPid = load.ProcessID;
        await using var insert = new NpgsqlCommand(Insert("LONE", "L1"), load);
        var inserting = insert.ExecuteNonQueryAsync(TestContext.CancellationToken);
        await WaitUntilBlockedAsync(store.DataSource, loadPid);

        await transaction.CommitAsync(TestContext.CancellationToken);
        var ex = await Assert.ThrowsExactlyAsync<PostgresException>(() => inserting);
        Assert.AreEqual(ForeignKeyViolation, ex.SqlState, ex.Message);
        Assert.AreEqual(0L, await ScalarAsync(store.DataSource, "SELECT count(*) FROM appointments"));
    }

    private async Task WaitUntilBlockedAsync(NpgsqlDataSource dataSource, int pid)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await ScalarAsync(dataSource, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND wait_event_type = 'Lock'") == 1)
            {
                return;
            }

            await Task.Delay(50, TestContext.CancellationToken);
        }

        Assert.Fail($"backend {pid} never waited for a lock");
    }
}
