using System.Globalization;
using System.Text.RegularExpressions;

namespace RecallFiles.Transport.Internal;

/// <summary>
/// Parses FTP <c>LIST</c> output in the two formats servers actually send: Unix <c>ls -l</c> (vsftpd, ProFTPD,
/// pyftpdlib, FileZilla Server) and MS-DOS (IIS). <c>FtpWebRequest</c> has no <c>MLSD</c>, so this is the only way to get
/// sizes and times in one round trip. Times are read as UTC (pyftpdlib and vsftpd default); a Unix listing gives
/// minutes, or only the day for files older than six months.
/// </summary>
internal static partial class FtpListParser
{
    public static IReadOnlyList<RemoteFileInfo> Parse(string listing, DateTime utcNow)
    {
        var files = new List<RemoteFileInfo>();
        foreach (var rawLine in listing.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            var file = ParseUnix(line, utcNow) ?? ParseDos(line);
            if (file is not null)
                files.Add(file);
        }

        return files;
    }

    private static RemoteFileInfo? ParseUnix(string line, DateTime utcNow)
    {
        var m = UnixLine().Match(line);
        if (!m.Success || m.Groups["type"].Value is not ("-" or "l"))
            return null;
        var size = long.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture);
        var month = DateTime.ParseExact(m.Groups["month"].Value, "MMM", CultureInfo.InvariantCulture).Month;
        var day = int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture);
        var yearOrTime = m.Groups["yearOrTime"].Value;
        DateTime time;
        if (yearOrTime.Contains(':', StringComparison.Ordinal))
        {
            var hm = TimeOnly.ParseExact(yearOrTime.PadLeft(5, '0'), "HH:mm", CultureInfo.InvariantCulture);
            // No year means "within the last six months": this year, or last year when that would be in the future.
            time = new DateTime(utcNow.Year, month, Math.Min(day, DateTime.DaysInMonth(utcNow.Year, month)), hm.Hour, hm.Minute, 0, DateTimeKind.Utc);
            if (time > utcNow.AddDays(1))
                time = time.AddYears(-1);
        }
        else
        {
            var year = int.Parse(yearOrTime, CultureInfo.InvariantCulture);
            time = new DateTime(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)), 0, 0, 0, DateTimeKind.Utc);
        }

        if (m.Groups["type"].Value == "l")
        {
            // "name -> target": the link is reported under its own name and never opened.
            var name = m.Groups["name"].Value;
            var arrow = name.IndexOf(" -> ", StringComparison.Ordinal);
            return new RemoteFileInfo(arrow < 0 ? name : name[..arrow], size, time, IsLink: true);
        }

        return new RemoteFileInfo(m.Groups["name"].Value, size, time);
    }

    private static RemoteFileInfo? ParseDos(string line)
    {
        var m = DosLine().Match(line);
        if (!m.Success || m.Groups["size"].Value == "<DIR>")
            return null;
        var stamp = $"{m.Groups["date"].Value} {m.Groups["time"].Value}";
        string[] formats = ["MM-dd-yy hh:mmtt", "MM-dd-yyyy hh:mmtt", "MM-dd-yy HH:mm", "MM-dd-yyyy HH:mm"];
        if (!DateTime.TryParseExact(stamp, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            return null;
        return new RemoteFileInfo(m.Groups["name"].Value, long.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture), DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }

    [GeneratedRegex(@"^(?<type>[-dlbcps])[-rwxsStTL+.@]{9,10}\s+\d+\s+\S+(\s+\S+)?\s+(?<size>\d+)\s+(?<month>[A-Za-z]{3})\s+(?<day>\d{1,2})\s+(?<yearOrTime>\d{1,2}:\d{2}|\d{4})\s(?<name>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex UnixLine();

    [GeneratedRegex(@"^(?<date>\d{2}-\d{2}-\d{2,4})\s+(?<time>\d{1,2}:\d{2}(AM|PM)?)\s+(?<size><DIR>|\d+)\s+(?<name>.+)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DosLine();
}
