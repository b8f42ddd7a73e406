using System.Globalization;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// Checks the audit log's chain (<c>recallfiles audit verify</c>): every line's hash against its text and the previous
/// line's hash, the sequence numbers, and the last line against <c>audit.log.head</c>. Each problem names the line.
/// </summary>
internal static class AuditVerifier
{
    /// <summary>The lines checked and the problems found; no problem means the chain is whole.</summary>
    public static (int Lines, IReadOnlyList<string> Problems) Verify(string auditPath)
    {
        var problems = new List<string>();
        if (!File.Exists(auditPath))
        {
            return (0, [$"{auditPath} does not exist"]);
        }

        var previous = AuditLog.Genesis;
        long seq = 0;
        var number = 0;
        foreach (var text in File.ReadLines(auditPath))
        {
            number++;
            if (text.Length == 0)
            {
                continue;
            }

            if (!AuditLine.TryParse(text, out var line))
            {
                problems.Add($"line {number}: not an audit line (TIME|SEQ|TEXT|prev=…|hash=…): edited or inserted");
                continue;
            }

            if (AuditLog.Hash(line.Prev, line.Body) != line.Hash)
            {
                problems.Add($"line {number} (#{line.Seq}): edited — its hash does not match its text");
            }

            if (line.Prev != previous)
            {
                problems.Add(line.Seq > seq + 1
                    ? string.Create(CultureInfo.InvariantCulture, $"line {number} (#{line.Seq}): chain broken — {line.Seq - seq - 1} line(s) deleted before it (#{seq + 1}…#{line.Seq - 1})")
                    : $"line {number} (#{line.Seq}): chain broken — it does not follow the line before it (edited, inserted or reordered)");
            }
            else if (line.Seq != seq + 1)
            {
                problems.Add($"line {number} (#{line.Seq}): sequence number edited (expected #{seq + 1})");
            }

            previous = line.Hash;
            seq = line.Seq;
        }

        var head = AuditLog.HeadPath(auditPath);
        if (File.Exists(head) && File.ReadAllText(head).Split(' ', StringSplitOptions.TrimEntries) is [var headSeq, var headHash] && headHash != previous)
        {
            problems.Add($"the end: audit.log.head says the last line is #{headSeq} but the file ends at #{seq} — line(s) cut off the end, or the last line edited");
        }

        return (number, problems);
    }
}
