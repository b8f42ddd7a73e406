using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Schemas;
using RecallFiles.Transport;

namespace RecallFiles.Tests.Status;

/// <summary>A local-folder drop box, an agent ledger and a status applier for one test.</summary>
internal sealed class StatusHarness
{
    public const string Header = "APP_LID,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,STATUS,APP_DATE,APP_START_TIME";

    public StatusHarness(DropBoxOptions? dropBox = null)
    {
        Folder = Directory.CreateTempSubdirectory("rf-status-").FullName;
        Root = Path.Combine(Folder, "dropbox");
        Directory.CreateDirectory(Root);
        DropBox = dropBox ?? new DropBoxOptions { Kind = DropBoxKind.Local, RootPath = Root, MinFileAge = TimeSpan.Zero };
        LedgerPath = Path.Combine(Folder, "agent", "ledger.db");
        Ledger = new StatusLedger(LedgerPath);
        Applier = new StatusApplier(Ledger, TimeProvider.System, NullLogger.Instance);
    }

    public string Folder { get; }

    /// <summary>The local drop box root (for SFTP: pass the server's root folder's options and use <see cref="RootOverride"/>).</summary>
    public string Root { get; private set; }

    public DropBoxOptions DropBox { get; }

    public string LedgerPath { get; }

    public StatusLedger Ledger { get; }

    public StatusApplier Applier { get; private set; }

    public void RootOverride(string root) => Root = root;

    /// <summary>The names archived below <c>{folder}/processed/yyyy/MM/dd/</c>, sorted.</summary>
    public string[] Processed(string folder)
    {
        var processed = Path.Combine(Root, folder, "processed");
        return Directory.Exists(processed)
            ? [.. Directory.GetFiles(processed, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(processed, f)).Where(f => f.Count(c => c == '/') == 3)
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>A fresh applier over the same ledger (a restarted agent).</summary>
    public void Restart() => Applier = new StatusApplier(Ledger, TimeProvider.System, NullLogger.Instance);

    public static string Row(string lid, string status, string resource, string? date = null, string? time = null) =>
        $"{lid},,+34 600 123 456,,{resource},{status},{date},{time}";

    public static string File(params string[] rows) => Header + "\r\n" + string.Concat(rows.Select(r => r + "\r\n"));

    public static string Name(string practice, string stamp = "20261024T100000Z") => $"STATUS_{practice}_{stamp}.csv";

    public static string ResultName(string practice, string stamp = "20261024T100000Z") => $"STATUS_RESULT_{practice}_{stamp}.csv";

    /// <summary>
    /// Drops a status file. With <paramref name="exported"/> (the default) its APP_LIDs are first recorded as uploaded by
    /// this agent an hour ago, as the export before any status file does; false leaves them unknown to the agent.
    /// </summary>
    public void Drop(string name, string content, bool exported = true)
    {
        if (exported && ContractFileName.TryParse(name, out var parsed, out _))
        {
            MarkExported(parsed!.PracticeId, content.Split('\n').Skip(1).Select(l => l.Split(',')[0].Trim()).Where(l => l.Length > 0));
        }

        Directory.CreateDirectory(Path.Combine(Root, "status"));
        System.IO.File.WriteAllText(Path.Combine(Root, "status", name), content);
    }

    /// <summary>Records <paramref name="lids"/> as carried by an export this agent uploaded an hour ago.</summary>
    public void MarkExported(string practiceId, IEnumerable<string> lids)
    {
        var hashes = lids.Select(ExportedIds.Hash).ToArray();
        Ledger.Exported.Record(Interlocked.Increment(ref _exports), practiceId, DateTimeOffset.UtcNow.AddHours(-1), hashes, hashes.Length, DateTimeOffset.UtcNow.AddDays(-30));
    }

    private long _exports;

    public Task<StatusApplyRun> RunAsync(PracticeExportOptions practice) =>
        Applier.RunAsync(practice with { DropBox = DropBox }, Path.Combine(Folder, "work"), once: true, CancellationToken.None);

    public string[] Files(string folder) => Directory.Exists(Path.Combine(Root, folder))
        ? Directory.GetFiles(Path.Combine(Root, folder)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>The result file's rows by APP_LID.</summary>
    public Dictionary<string, StatusResultRecord> Results(string name)
    {
        using var stream = System.IO.File.OpenRead(Path.Combine(Root, "results", name));
        using var reader = ContractReader.OpenStatusResults(stream, name);
        var rows = reader.ReadRows().ToList();
        Assert.IsTrue(rows.All(r => r.IsValid), string.Join("; ", rows.SelectMany(r => r.Problems)));
        return rows.ToDictionary(r => r.Record.AppLid, r => r.Record);
    }
}
