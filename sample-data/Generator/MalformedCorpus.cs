using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.SampleData;

/// <summary>
/// The malformed corpus (sample-data/malformed): one small file per problem the contract defines, plus
/// the liberal-reading cases that must stay valid. Each file here is paired with a hand-written
/// <c>NAME.expected.json</c> that says what <c>recallfiles validate --json</c> must report, reasoned
/// from the contract (docs/sample-data.md lists the cases). Files are built from bytes so line endings,
/// byte order marks and broken encodings are exactly what the case needs.
/// </summary>
internal static class MalformedCorpus
{
    private static readonly string Header = string.Join(',', Columns.AppointmentRequired);

    /// <summary>A valid row of the demo practice to vary; each case changes what it tests.</summary>
    private static AppointmentRecord Ok(int n) => new()
    {
        AppLid = (418_200 + n).ToString(System.Globalization.CultureInfo.InvariantCulture),
        AppDate = "24/11/2026",
        AppStartTime = $"{9 + n:00}:30",
        UserMobilePhone = $"+34 600 100 {200 + n}",
        UserEmail = $"recall+{n}@example.org",
        ResourceLid = "DDS1",
        ResourceName = "Dr. Molina",
        ResourceEmail = "molina@example.com",
        LocationLid = "CEN",
        LocationName = "Clínica Dental Centro",
    };

    public static IEnumerable<(string Name, byte[] Bytes)> Files()
    {
        // --- File-level problems: the file is rejected as a whole. ---
        yield return ("missing-required-column.csv", Crlf(
            string.Join(',', Columns.AppointmentRequired.Where(c => c != Columns.AppDate)),
            Row(Ok(1), skip: Columns.AppDate),
            Row(Ok(2), skip: Columns.AppDate)));

        // Header names match case-insensitively, so app_date repeats APP_DATE.
        yield return ("duplicate-column.csv", Crlf(Header + ",app_date", Row(Ok(1)) + ",24/11/2026"));

        yield return ("empty.csv", []);

        // Only a header: a practice with nothing booked in the window exports exactly this; valid, 0 rows.
        yield return ("header-only.csv", Crlf(Header));

        // Line 4 holds "Clínica" saved as Latin-1 (0xED alone): not UTF-8.
        yield return ("invalid-utf8-line-4.csv", Concat(
            Crlf(Header, Row(Ok(1)), Row(Ok(2))),
            Encoding.Latin1.GetBytes(Row(Ok(3)) + "\r\n"),
            Crlf(Row(Ok(4)))));

        // A whole file saved by a Windows PMS as windows-1252 (ANSI): invalid as UTF-8 from line 2 on,
        // valid when read with --encoding windows-1252.
        yield return ("windows-1252.csv", CodePage(1252).GetBytes(Text("\r\n",
            Header,
            Row(Ok(1)),
            Row(Ok(2) with { ResourceLid = "DDS4", ResourceName = "Dra. Ibáñez", ResourceEmail = null }),
            Row(Ok(3) with { LocationLid = "NOR", LocationName = "Clínica Dental Norte (Peñagrande)" })) + "\r\n"));

        // Line 3 opens a quote that never closes: everything after it would be swallowed.
        yield return ("unterminated-quote.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2)).Replace("+34 600 100 202", "\"+34 600 100 202", StringComparison.Ordinal),
            Row(Ok(3))));

        // RFC 4180: a quote may only appear inside a quoted field, doubled. A PMS that writes a nickname
        // in quotes without quoting the field breaks the file.
        yield return ("quote-inside-unquoted-field.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2) with { ResourceName = "Dr. \"Paco\" Molina" }),
            Row(Ok(3))));

        // --- Row problems: the row is rejected, the rest of the file is read. ---
        yield return ("field-count-mismatch.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2) with { LocationName = "Clínica Dental Norte, planta 2" }),   // unquoted comma: 13 fields
            Row(Ok(3)),
            Row(Ok(4), skip: Columns.LocationName)));                               // 11 fields

        yield return ("required-field-empty.csv", Crlf(
            Header,
            Row(Ok(1) with { AppLid = "" }),
            Row(Ok(2) with { AppDate = "" }),
            Row(Ok(3) with { ResourceLid = "" }),
            Row(Ok(4) with { ResourceName = "   " }),
            Row(Ok(5) with { AppLid = "  " }),
            Row(Ok(6) with { AppStartTime = null, LocationLid = null, LocationName = null })));   // NULL columns may be empty

        // nvarchar(50): 50 characters pass (also with non-ASCII letters), 51 do not.
        yield return ("too-long.csv", Crlf(
            Header,
            Row(Ok(1) with { AppLid = new string('7', 51) }),
            Row(Ok(2) with { ResourceName = "Dr. " + new string('M', 47) }),
            Row(Ok(3) with { LocationName = "Clínica " + new string('C', 43) }),
            Row(Ok(4) with { UserEmail = new string('s', 39) + "@example.org" }),
            Row(Ok(5) with { ResourceName = "Dra. Ibáñez " + new string('ñ', 38) }),
            Row(Ok(6) with { LocationLid = new string('L', 51) })));

        // A NUL byte passes UTF-8 and CSV reading, but no database text can hold it.
        yield return ("nul-character.csv", Crlf(
            Header,
            Row(Ok(1) with { ResourceName = "Dr. Mo\0lina" }),
            Row(Ok(2) with { AppLid = "A\02" }),
            Row(Ok(3) with { LocationName = "Clínica\0" }),
            Row(Ok(4))));   // valid

        yield return ("impossible-date.csv", Crlf(
            Header,
            Row(Ok(1) with { AppDate = "31/02/2026" }),
            Row(Ok(2) with { AppDate = "29/02/2026" }),
            Row(Ok(3) with { AppDate = "00/11/2026" }),
            Row(Ok(4) with { AppDate = "24/13/2026" }),
            Row(Ok(5) with { AppDate = "29/02/2028" })));   // a leap day: valid

        yield return ("wrong-date-format.csv", Crlf(
            Header,
            Row(Ok(1) with { AppDate = "2026-11-24" }),
            Row(Ok(2) with { AppDate = "24-11-2026" }),
            Row(Ok(3) with { AppDate = "24/11/26" }),
            Row(Ok(4) with { AppDate = "4/11/2026" }),
            Row(Ok(5) with { AppDate = "24.11.2026" }),
            Row(Ok(6) with { AppDate = "24/11/2026 10:00" }),
            Row(Ok(7) with { AppDate = "04/11/2026" })));   // valid

        yield return ("bad-time.csv", Crlf(
            Header,
            Row(Ok(1) with { AppStartTime = "24:00" }),
            Row(Ok(2) with { AppStartTime = "9:5" }),
            Row(Ok(3) with { AppStartTime = "9:05" }),
            Row(Ok(4) with { AppStartTime = "12:60" }),
            Row(Ok(5) with { AppStartTime = "10h30" }),
            Row(Ok(6) with { AppStartTime = "10:30:00" }),
            Row(Ok(7) with { AppStartTime = "23:59" }),     // valid
            Row(Ok(8) with { AppStartTime = "00:00" }),     // valid
            Row(Ok(9) with { AppStartTime = null })));      // valid: APP_START_TIME is NULL in the spec

        yield return ("bad-email.csv", Crlf(
            Header,
            Row(Ok(1) with { UserEmail = "sol@" }),
            Row(Ok(2) with { UserEmail = "sol.example.org" }),
            Row(Ok(3) with { UserEmail = "sol 12@example.org" }),
            Row(Ok(4) with { UserEmail = "sol@example" }),
            Row(Ok(5) with { UserEmail = ".sol@example.org" }),
            Row(Ok(6) with { UserEmail = "sol..12@example.org" }),
            Row(Ok(7) with { UserEmail = "sol@@example.org" }),
            Row(Ok(8) with { ResourceEmail = "molina(at)example.com" }),
            Row(Ok(9) with { UserEmail = "recall+9.sol_x@mail.example.net" })));   // valid

        yield return ("bad-phone.csv", Crlf(
            Header,
            Row(Ok(1) with { UserMobilePhone = "600 ABC 123" }),
            Row(Ok(2) with { UserMobilePhone = "12345" }),
            Row(Ok(3) with { UserMobilePhone = "+34 600 100 203 ext 2" }),
            Row(Ok(4) with { UserMobilePhone = "+34 600 100 204 300 400" }),    // 17 digits
            Row(Ok(5) with { UserMobilePhone = "600#100#205" }),
            Row(Ok(6) with { UserLandlinePhone = "91 555" }),
            Row(Ok(7) with { ResourceMobilePhone = "ask reception" }),
            Row(Ok(8) with { UserLandlinePhone = "(91) 555 1234", UserMobilePhone = "600.100.208" }),   // valid
            Row(Ok(9) with { UserMobilePhone = "+44 7700 900123", UserLandlinePhone = "+44 20 7946 0123" })));   // valid

        // The second and third 418201 name line 2; " 418202 " is trimmed and repeats line 3.
        yield return ("duplicate-app-lid.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2)),
            Row(Ok(3)),
            Row(Ok(4) with { AppLid = "418201" }),
            Row(Ok(5)),
            Row(Ok(6) with { AppLid = "418201" }),
            Row(Ok(7) with { AppLid = " 418202 " })));

        // --- Warnings: reported, the file stays valid. ---
        yield return ("unreachable.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2) with { UserMobilePhone = null, UserEmail = null }),
            Row(Ok(3) with { UserMobilePhone = null, UserEmail = null, ResourceMobilePhone = "+34 600 000 101" }),   // the doctor's phone reaches no patient
            Row(Ok(4) with { UserMobilePhone = null, UserEmail = null, UserLandlinePhone = "91 555 12 34" })));    // a landline is enough

        yield return ("unknown-column.csv", Crlf(
            Header + ",CHAIR,APP_TYPE",
            Row(Ok(1)) + ",3,REVISION",
            Row(Ok(2)) + ",1,LIMPIEZA"));

        // Excel adds a delimiter at the end of every line: an unnamed extra column.
        yield return ("trailing-delimiter.csv", Crlf(Header + ",", Row(Ok(1)) + ",", Row(Ok(2)) + ","));

        // Patient-identifying columns are dropped unread: their values must never reach the report.
        yield return ("patient-name-column.csv", Crlf(
            "APP_LID,USER_FIRST_NAME,USER_SECOND_NAME,USER_DATE_OF_BIRTH," + string.Join(',', Columns.AppointmentRequired.Skip(1)),
            Insert(Row(Ok(1)), "Nombreficticio,Apellidoficticio,07/03/1961"),
            Insert(Row(Ok(2)), "Otronombreficticio,Otroapellidoficticio,19/08/1984")));

        // --- Liberal reading: all valid. ---
        yield return ("semicolon-delimited.csv", Crlf(
            Header.Replace(',', ';'),
            Row(Ok(1), ';'),
            Row(Ok(2) with { LocationName = "Clínica Dental Norte, planta 2" }, ';'),
            Row(Ok(3), ';')));

        yield return ("pipe-delimited.csv", Crlf(Header.Replace(',', '|'), Row(Ok(1), '|'), Row(Ok(2), '|'), Row(Ok(3), '|')));

        yield return ("tab-delimited.csv", Crlf(Header.Replace(',', '\t'), Row(Ok(1), '\t'), Row(Ok(2), '\t'), Row(Ok(3), '\t')));

        yield return ("bom-crlf.csv", Concat([0xEF, 0xBB, 0xBF], Crlf(Header, Row(Ok(1)), Row(Ok(2)), Row(Ok(3)))));

        yield return ("lf-only.csv", Utf8(Text("\n", Header, Row(Ok(1)), Row(Ok(2)), Row(Ok(3))) + "\n"));

        // Quoted fields: line breaks (CRLF and a bare LF), the delimiter and doubled quotes inside them.
        // Records start on lines 2, 3, 6, 8 and 9; the unreachable row on line 8 proves the count.
        yield return ("quoted-multiline.csv", Crlf(
            Header,
            Row(Ok(1)),
            Row(Ok(2) with { LocationName = "\"Clínica Dental Centro\r\nPlanta 1\r\nGabinete 3\"" }),
            Row(Ok(3) with { ResourceName = "\"Dr. Molina, \"\"DDS1\"\"\"", LocationName = "\"Norte\nedificio B\"" }),
            Row(Ok(4) with { UserMobilePhone = null, UserEmail = null }),
            string.Join(',', Values(Ok(5) with { UserLandlinePhone = "", ResourceMobilePhone = "" }).Select(v => $"\"{v}\""))));

        // Classic Mac OS line ends (CR only); the unreachable row's warning names line 3.
        yield return ("cr-only.csv", Utf8(Text("\r", Header, Row(Ok(1)), Row(Ok(2) with { UserMobilePhone = null, UserEmail = null })) + "\r"));

        // UTF-16 little endian with its byte order mark, as Excel saves "Unicode text"; warning on line 3.
        yield return ("utf16-bom.csv", Concat([0xFF, 0xFE], Encoding.Unicode.GetBytes(Text("\r\n", Header, Row(Ok(1)), Row(Ok(2) with { UserMobilePhone = null, UserEmail = null })) + "\r\n")));

        yield return ("no-final-newline.csv", Utf8(Text("\r\n", Header, Row(Ok(1)), Row(Ok(2)), Row(Ok(3)))));

        // Blank lines are skipped but still counted: the bad date is on physical line 5.
        yield return ("blank-lines.csv", Crlf(Header, Row(Ok(1)), "", "   ", Row(Ok(2) with { AppDate = "31/11/2026" }), "", Row(Ok(3))));

        // --- Status and status result files. ---
        var statusHeader = string.Join(',', Columns.StatusColumns);
        yield return ("status-spelling-variants.csv", Crlf(
            statusHeader,
            "418201,,+34 600 100 201,,DDS1,PENDING",
            "418202,,+34 600 100 202,,DDS1,approved",
            "418203,(91) 555 1234,,,DDS2,Approved",
            "418204,,,recall+4@example.org,DDS2,cancelled  by user",
            "418205,,+34 600 100 205,,DDS3,Cancelled By User",
            "418206,,+34 600 100 206,,DDS3, CANCELLED BY ADMIN ",
            "418207,,+34 600 100 207,,ORT1,\"cancelled\tby\tadmin\"",
            "418208,,+34 600 100 208,,HYG1,pending"));

        yield return ("status-invalid-value.csv", Crlf(
            statusHeader,
            "418201,,+34 600 100 201,,DDS1,APPROVED",
            "418202,,+34 600 100 202,,DDS1,CANCELED by USER",
            "418203,,+34 600 100 203,,DDS2,CONFIRMED",
            "418204,,+34 600 100 204,,DDS2,",
            "418205,,+34 600 100 205,,DDS3,CANCELLED",
            "418206,,+34 600 100 206,,DDS3,CANCELLED by PATIENT",
            "418207,,+34 600 100 207,,,CANCELLED by USER"));

        yield return ("status-result-invalid.csv", Crlf(
            "APP_LID,RESULT,MESSAGE",
            "418201,OK,",
            "418202,ok,",
            "418203,not found,no appointment with this APP_LID in the PMS",
            "418204,DONE,",
            "418205,,",
            "418206,SUCCESS,applied",
            "418207,CONFLICT,\"modified in the PMS, nothing applied\""));

        yield return ("status-result-no-message.csv", Crlf("APP_LID,RESULT", "418201,OK", "418202,ERROR", "418203,NOT_FOUND"));
    }

    private static string?[] Values(AppointmentRecord r) =>
    [
        r.AppLid, r.AppDate, r.AppStartTime, r.UserLandlinePhone, r.UserMobilePhone, r.UserEmail,
        r.ResourceLid, r.ResourceName, r.ResourceMobilePhone, r.ResourceEmail, r.LocationLid, r.LocationName,
    ];

    /// <summary>The 12 A.1.1 values joined raw (no quoting: a case quotes what it needs itself).</summary>
    private static string Row(AppointmentRecord r, char delimiter = ',', string? skip = null) =>
        string.Join(delimiter, Values(r).Where((_, i) => Columns.AppointmentRequired[i] != skip).Select(v => v ?? ""));

    /// <summary>Inserts values after the first field (APP_LID).</summary>
    private static string Insert(string row, string values)
    {
        var comma = row.IndexOf(',', StringComparison.Ordinal);
        return row[..(comma + 1)] + values + row[comma..];
    }

    private static string Text(string newline, params string[] lines) => string.Join(newline, lines);

    private static byte[] Crlf(params string[] lines) => Utf8(string.Concat(lines.Select(l => l + "\r\n")));

    private static byte[] Utf8(string text) => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static Encoding CodePage(int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(codePage);
    }
}
