using System.Text.Json;
using Npgsql;
using RecallFiles.Reminders;
using RecallFiles.Reminders.Delivery;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Reminders;

/// <summary>One practice (DEMO-01, Europe/Madrid) on a real PostgreSQL with the importer's schema, fed through appointment_events, with a manual clock.</summary>
internal sealed class ReminderScenario
{
    // Monday 23 November 2026, 08:00 UTC = 09:00 in Madrid.
    public static readonly DateTimeOffset Monday = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private ReminderScenario(NpgsqlDataSource db, ManualTimeProvider clock, ReminderOptions options)
    {
        Db = db;
        Clock = clock;
        Options = options;
    }

    public NpgsqlDataSource Db { get; }

    public ManualTimeProvider Clock { get; }

    public ReminderOptions Options { get; }

    public static async Task<ReminderScenario> StartAsync(ReminderOptions? options = null, DateTimeOffset? now = null, string zone = "Europe/Madrid")
    {
        var db = NpgsqlDataSource.Create(await PostgresFixture.CreateDatabaseAsync("reminders"));
        await ReminderEngine.EnsureSchemaAsync(db);
        await ReminderEngine.EnsureSchemaAsync(db);   // idempotent
        await using (var practice = db.CreateCommand("INSERT INTO practices (id, drop_box, folder, time_zone) VALUES ('DEMO-01', 'local', 'DEMO-01', $1)"))
        {
            practice.Parameters.Add(new() { Value = zone });
            await practice.ExecuteNonQueryAsync();
        }

        return new ReminderScenario(db, new ManualTimeProvider(now ?? Monday), options ?? new ReminderOptions());
    }

    public ReminderEngine Engine(IReminderSender? sender = null) => new(Db, Options, Clock, sender);

    /// <summary>An appointment event, and the appointment row as the importer would leave it.</summary>
    public async Task EventAsync(string appLid, string kind, string startsAt, string? mobile = "+34600111222", string? email = "p@example.org",
        string? landline = null, string? preferences = null, string? status = null, string? end = null, string? language = null, string? privacy = null)
    {
        var payload = JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["starts_at"] = startsAt, ["end"] = end, ["mobile"] = mobile, ["landline"] = landline, ["email"] = email, ["language"] = language,
            ["preferences"] = preferences, ["status"] = status, ["resource"] = "DDS1", ["location"] = "CEN", ["privacy"] = privacy,
        });
        await using (var insert = Db.CreateCommand("INSERT INTO appointment_events (practice_id, app_lid, kind, payload) VALUES ('DEMO-01', $1, $2, $3::json)"))
        {
            insert.Parameters.Add(new() { Value = appLid });
            insert.Parameters.Add(new() { Value = kind });
            insert.Parameters.Add(new() { Value = payload });
            await insert.ExecuteNonQueryAsync();
        }

        await FeedSql.SealWrittenEventsAsync(Db);

        var start = DateTime.Parse(startsAt, System.Globalization.CultureInfo.InvariantCulture);
        await using var row = Db.CreateCommand("""
            INSERT INTO appointments (practice_id, app_lid, starts_at, app_date, status, resource_lid, resource_name, location_name, removed,
                                      first_batch_id, last_batch_id, last_change)
            VALUES ('DEMO-01', $1, $2, $3, $4, 'DDS1', 'Dr. Vega', 'Clínica Centro', $5, 0, 0, $6)
            ON CONFLICT (practice_id, app_lid) DO UPDATE SET starts_at = $2, app_date = $3, status = $4, removed = $5, last_change = $6
            """);
        row.Parameters.Add(new() { Value = appLid });
        row.Parameters.Add(new() { Value = start, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
        row.Parameters.Add(new() { Value = DateOnly.FromDateTime(start) });
        row.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value });
        row.Parameters.Add(new() { Value = kind == "removed" });
        row.Parameters.Add(new() { Value = kind });
        await row.ExecuteNonQueryAsync();
    }

    public sealed record Row(long Id, string Label, DateTime Due, string Channel, string Address, string State, string? Reason, string? Language,
        string? TemplateLanguage, string? ProviderId, int Attempts);

    public async Task<List<Row>> RemindersAsync(string appLid)
    {
        await using var select = Db.CreateCommand("""
            SELECT id, label, due_at, channel, address, state, reason, language, template_language, provider_id, attempts FROM reminders WHERE app_lid = $1 ORDER BY id
            """);
        select.Parameters.Add(new() { Value = appLid });
        await using var reader = await select.ExecuteReaderAsync();
        var list = new List<Row>();
        while (await reader.ReadAsync())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            list.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetDateTime(2).ToUniversalTime(), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), Text(6), Text(7), Text(8), Text(9), reader.GetInt32(10)));
        }

        return list;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<string>> OutboxAsync()
    {
        await using var select = Db.CreateCommand("SELECT message FROM reminder_outbox ORDER BY id");
        await using var reader = await select.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
