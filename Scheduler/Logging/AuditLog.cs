using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// The audit log (<c>{logs}/audit.log</c>, issue 12): one line per change — export, batch, status apply, reply, replay,
/// approve, every dashboard action, every state-changing CLI verb, API keys, logins — with when (UTC), what, on which
/// practice and who (<c>dashboard:LOGIN</c>, <c>local(HOST)</c>, <c>api:KEY</c>, <c>cli:USER(HOST)</c>,
/// <c>scheduler(HOST)</c> — no <c>@</c>, which the masking would take for an e-mail). Phones and e-mails are masked.
/// <para>
/// Tamper-evident: each line is <c>TIME|SEQ|ACTION practice=… SUBJECT by=WHO outcome=…|prev=HASH|hash=HASH</c>, its hash
/// the SHA-256 of the previous line's hash and its own text, and <c>audit.log.head</c> holds the last sequence number and
/// hash. An edited line, a deleted or inserted one, or lines cut off the end break the chain; <see cref="AuditVerifier"/>
/// (<c>recallfiles audit verify</c>) says where. Several processes (the host, CLI verbs) append to one file under a lock
/// file. RecallFiles never rotates or deletes it: keep it six years (HIPAA, 45 CFR 164.316(b)(2)).
/// </para>
/// </summary>
internal sealed class AuditLog : RecallFiles.Importer.Batches.IAuditTrail
{
    /// <summary>The hash before the first line.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly Lock s_gate = new();

    /// <summary>Writes to <c>audit.log</c> in <paramref name="folder"/> (created 0700 when missing).</summary>
    public AuditLog(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        DataFolders.Create(folder);
        Path = System.IO.Path.Combine(folder, RecallFilesLogging.AuditFileName);
    }

    /// <summary>The audit log file.</summary>
    public string Path { get; }

    /// <summary>The file holding the last sequence number and hash (to notice lines cut off the end).</summary>
    public static string HeadPath(string auditPath) => auditPath + ".head";

    /// <summary>Who a scheduled job acts as.</summary>
    public static string Scheduler => $"scheduler({Environment.MachineName})";

    /// <summary>Who a CLI command acts as: the operating system account.</summary>
    public static string CommandLine => $"cli:{Environment.UserName}({Environment.MachineName})";

    /// <summary>Records <paramref name="action"/> (batch, apply, replay, approve, …) on <paramref name="subject"/> by <paramref name="who"/>.</summary>
    public void Record(string action, string practiceId, string subject, string who, string outcome)
    {
        var text = PhiText.Mask($"{action} practice={practiceId} {subject} by={who} outcome={outcome}").ReplaceLineEndings(" ").Replace('|', '/');
        lock (s_gate)
        {
            using var fileLock = AcquireLock();
            var (seq, prev) = ReadHead();
            var body = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}|{seq + 1}|{text}");
            var hash = Hash(prev, body);
            using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write($"{body}|prev={prev}|hash={hash}\n");
            }

            DataFolders.RestrictFile(Path);
            File.WriteAllText(HeadPath(Path), string.Create(CultureInfo.InvariantCulture, $"{seq + 1} {hash}\n"));
            DataFolders.RestrictFile(HeadPath(Path));
        }
    }

    /// <summary>The chained hash of a line's text: SHA-256 of the previous hash, a newline and the text, hex lower-case.</summary>
    public static string Hash(string previous, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previous + "\n" + body)));

    private (long Seq, string Hash) ReadHead()
    {
        var head = HeadPath(Path);
        if (File.Exists(head) && File.ReadAllText(head).Split(' ', StringSplitOptions.TrimEntries) is [var seq, var hash]
            && long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return (n, hash);
        }

        // No head yet (a log from before the chain, or a new one): chain on from the last line, or from the start.
        var last = File.Exists(Path) ? File.ReadLines(Path).LastOrDefault(l => l.Length > 0) : null;
        return last is not null && AuditLine.TryParse(last, out var line) ? (line.Seq, line.Hash) : (0, Genesis);
    }

    private FileStream AcquireLock()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(25);
            }
        }
    }
}

/// <summary>One parsed audit line.</summary>
internal sealed record AuditLine(string Body, long Seq, string Prev, string Hash)
{
    /// <summary>Parses <c>TIME|SEQ|TEXT|prev=HASH|hash=HASH</c>.</summary>
    public static bool TryParse(string line, out AuditLine parsed)
    {
        parsed = null!;
        var hashAt = line.LastIndexOf("|hash=", StringComparison.Ordinal);
        var prevAt = hashAt < 0 ? -1 : line.LastIndexOf("|prev=", hashAt, StringComparison.Ordinal);
        if (prevAt < 0)
        {
            return false;
        }

        var body = line[..prevAt];
        var parts = body.Split('|', 3);
        if (parts.Length < 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        parsed = new AuditLine(body, seq, line[(prevAt + 6)..hashAt], line[(hashAt + 6)..]);
        return true;
    }
}
