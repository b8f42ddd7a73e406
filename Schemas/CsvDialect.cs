namespace RecallFiles.Schemas;

/// <summary>What the reader found out about a file's physical format.</summary>
/// <param name="Delimiter">The field separator: <c>,</c> <c>;</c> <c>|</c> or tab.</param>
/// <param name="Encoding">The text encoding read: <c>utf-8</c>, or the one configured (such as <c>windows-1252</c>).</param>
/// <param name="Bom">Whether the file starts with a byte order mark.</param>
/// <param name="NewLine">The header's line ending: <c>CRLF</c>, <c>LF</c>, <c>CR</c>, or <c>none</c> for a file of one line.</param>
public sealed record CsvDialect(char Delimiter, string Encoding, bool Bom, string NewLine)
{
    /// <summary>The one dialect RecallFiles writes: UTF-8 without BOM, comma, CRLF, RFC 4180 quoting.</summary>
    public static CsvDialect Written { get; } = new(',', "utf-8", false, "CRLF");

    /// <summary>The delimiter as a printable name: <c>,</c> <c>;</c> <c>|</c> or <c>\t</c>.</summary>
    public string DelimiterName => Delimiter == '\t' ? "\\t" : Delimiter.ToString();
}

/// <summary>How to read a file.</summary>
public sealed record ContractReadOptions
{
    /// <summary>The shared defaults: UTF-8, 1 MiB records.</summary>
    public static ContractReadOptions Default { get; } = new();

    /// <summary>
    /// The file's encoding when it is not UTF-8, such as <c>windows-1252</c> (transcoded while reading).
    /// Null means UTF-8, in which case invalid UTF-8 is a file error naming the line. A UTF-16 byte
    /// order mark always wins.
    /// </summary>
    public string? Encoding { get; init; }

    /// <summary>The largest record accepted, in bytes; a longer one (such as an unclosed quote) is a file error.</summary>
    public int MaxRecordBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The contact-field policy of an appointments file (issue 15). False (the default): an invalid optional phone or
    /// e-mail is a warning, the value is cleared and the row kept, so one bad e-mail does not cost the SMS reminder.
    /// True: it is a row error, as every other invalid value.
    /// </summary>
    public bool StrictContacts { get; init; }
}
