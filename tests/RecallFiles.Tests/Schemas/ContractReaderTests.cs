using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

[TestClass]
public sealed class ContractReaderTests
{
    [TestMethod]
    public void ReadRows_ReadsEveryColumn_ForACleanFile()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row() + "\r\n");

        Assert.HasCount(1, rows);
        var r = rows[0].Record;
        Assert.IsTrue(rows[0].IsValid, string.Join("; ", rows[0].Problems));
        Assert.AreEqual(2, rows[0].Line);
        Assert.AreEqual("A1", r.AppLid);
        Assert.AreEqual("24/11/2026", r.AppDate);
        Assert.AreEqual("09:30", r.AppStartTime);
        Assert.IsNull(r.UserLandlinePhone);
        Assert.AreEqual("+34 600 123 456", r.UserMobilePhone);
        Assert.AreEqual("p1@example.org", r.UserEmail);
        Assert.AreEqual("DDS1", r.ResourceLid);
        Assert.AreEqual("Dr. Molina", r.ResourceName);
        Assert.AreEqual("L1", r.LocationLid);
        Assert.AreEqual("Main clinic", r.LocationName);
        Assert.AreEqual(new DateTime(2026, 11, 24, 9, 30, 0), r.LocalStart);
    }

    [TestMethod]
    [DataRow(",", "\r\n")]
    [DataRow(";", "\n")]
    [DataRow("|", "\r\n")]
    [DataRow("\t", "\n")]
    [DataRow(",", "\r")]
    public void Open_DetectsDelimiterAndNewLine_FromTheHeader(string delimiter, string newline)
    {
        var text = string.Join(newline, Csv.AppointmentHeader.Replace(",", delimiter, StringComparison.Ordinal),
            Csv.Row("A1").Replace(",", delimiter, StringComparison.Ordinal), Csv.Row("A2").Replace(",", delimiter, StringComparison.Ordinal));
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(text), "d.csv");
        var rows = reader.ReadRows().ToList();

        Assert.AreEqual(delimiter[0], reader.Dialect.Delimiter);
        Assert.AreEqual(newline switch { "\r\n" => "CRLF", "\n" => "LF", _ => "CR" }, reader.Dialect.NewLine);
        Assert.HasCount(2, rows);
        Assert.IsTrue(rows.All(r => r.IsValid));
        Assert.AreEqual("A2", rows[1].Record.AppLid);
        Assert.AreEqual(3, rows[1].Line);
    }

    [TestMethod]
    public void Open_ReportsBom_AndReadsTheFirstColumnName()
    {
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(Csv.AppointmentHeader + "\r\n" + Csv.Row(), bom: true), "bom.csv");
        var rows = reader.ReadRows().ToList();

        Assert.IsTrue(reader.Dialect.Bom);
        Assert.IsEmpty(reader.HeaderWarnings, "the BOM must not glue itself to APP_LID");
        Assert.AreEqual("A1", rows.Single().Record.AppLid);
    }

    [TestMethod]
    public void ReadRows_KeepsQuotedDelimitersQuotesAndNewLines_AndCountsPhysicalLines()
    {
        var text = Csv.AppointmentHeader + "\r\n" +
                   "A1,24/11/2026,09:30,,600123456,,DDS1,\"Dr. \"\"Pepe\"\", Molina\",,,L1,\"Main\r\nclinic\nfloor 2\"\r\n" +
                   Csv.Row("A2") + "\r\n";
        var rows = Csv.ReadAppointments(text);

        Assert.HasCount(2, rows);
        Assert.AreEqual("Dr. \"Pepe\", Molina", rows[0].Record.ResourceName);
        Assert.AreEqual("Main\r\nclinic\nfloor 2", rows[0].Record.LocationName);
        Assert.AreEqual(2, rows[0].Line);
        Assert.AreEqual(5, rows[1].Line, "the second record starts after the three physical lines of the first");
    }

    [TestMethod]
    public void ReadRows_ReadsMultibyteUtf8_AndEmptyFieldsAsNull()
    {
        var text = Csv.AppointmentHeader + "\n" + "Ñ-1,24/11/2026,,,,ñandú@example.org,DDS1,Dra. Núñez 😀,,,,Clínica Sóller\n";
        var rows = Csv.ReadAppointments(text);

        var r = rows.Single().Record;
        Assert.AreEqual("Ñ-1", r.AppLid);
        Assert.AreEqual("Dra. Núñez 😀", r.ResourceName);
        Assert.AreEqual("Clínica Sóller", r.LocationName);
        Assert.IsNull(r.AppStartTime);
        Assert.IsNull(r.LocationLid);
        Assert.IsNull(r.UserMobilePhone);
    }

    [TestMethod]
    public void ReadRows_ReadsTheLastRow_WithoutFinalNewLine()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\r\n" + Csv.Row("A1") + "\r\n" + Csv.Row("A2"));

        Assert.HasCount(2, rows);
        Assert.AreEqual("A2", rows[1].Record.AppLid);
    }

    [TestMethod]
    public void ReadRows_SkipsEmptyLines_AndKeepsLineNumbersPhysical()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\n\n" + Csv.Row("A1") + "\n   \n" + Csv.Row("A2") + "\n\n");

        Assert.HasCount(2, rows);
        Assert.AreEqual(3, rows[0].Line);
        Assert.AreEqual(5, rows[1].Line);
    }

    [TestMethod]
    public void ReadRows_TrimsValues_AndMatchesHeaderNamesCaseInsensitively()
    {
        var header = Csv.AppointmentHeader.ToLowerInvariant().Replace(",", " , ", StringComparison.Ordinal);
        var rows = Csv.ReadAppointments(header + "\n" + "  A1 ,24/11/2026, 09:30 ,,600123456,,DDS1,Dr X,,,,\n");

        Assert.IsTrue(rows[0].IsValid, string.Join("; ", rows[0].Problems));
        Assert.AreEqual("A1", rows[0].Record.AppLid);
        Assert.AreEqual("09:30", rows[0].Record.AppStartTime);
    }

    [TestMethod]
    public void ReadRows_MapsColumnsByName_InAnyOrder()
    {
        var header = "RESOURCE_NAME,APP_DATE,APP_LID,USER_EMAIL,USER_MOBILE_PHONE,USER_LANDLINE_PHONE,APP_START_TIME,RESOURCE_LID,LOCATION_NAME,LOCATION_LID,RESOURCE_EMAIL,RESOURCE_MOBILE_PHONE";
        var rows = Csv.ReadAppointments(header + "\n" + "Dr X,24/11/2026,A9,x@example.org,,,10:00,R1,,,,\n");

        var r = rows.Single().Record;
        Assert.AreEqual("A9", r.AppLid);
        Assert.AreEqual("Dr X", r.ResourceName);
        Assert.AreEqual("R1", r.ResourceLid);
        Assert.AreEqual("x@example.org", r.UserEmail);
    }

    [TestMethod]
    public void Open_Fails_WhenARequiredColumnIsMissing_ListingMissingAndFound()
    {
        var header = Csv.AppointmentHeader.Replace(",USER_EMAIL", "", StringComparison.Ordinal).Replace("APP_DATE,", "", StringComparison.Ordinal);
        var ex = Csv.OpenFails(header + "\n");

        Assert.AreEqual(ProblemCodes.MissingColumns, ex.Problem.Code);
        Assert.AreEqual(1, ex.Problem.Line);
        Assert.IsNull(ex.Problem.Column);
        StringAssert.Contains(ex.Problem.Message, "APP_DATE, USER_EMAIL");
        StringAssert.Contains(ex.Problem.Message, "found APP_LID, APP_START_TIME");
    }

    [TestMethod]
    public void Open_Fails_WhenAColumnAppearsTwice()
    {
        var ex = Csv.OpenFails(Csv.AppointmentHeader + ",app_lid\n");

        Assert.AreEqual(ProblemCodes.DuplicateColumn, ex.Problem.Code);
        StringAssert.Contains(ex.Problem.Message, "APP_LID");
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("\r\n\r\n")]
    public void Open_Fails_OnAnEmptyFile(string text)
    {
        var ex = Csv.OpenFails(text);

        Assert.AreEqual(ProblemCodes.EmptyFile, ex.Problem.Code);
    }

    [TestMethod]
    public void Open_WarnsAndDropsUnknownColumns()
    {
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(Csv.AppointmentHeader + ",COLOUR\n" + Csv.Row() + ",red\n"), "u.csv");
        var rows = reader.ReadRows().ToList();

        var warning = reader.HeaderWarnings.Single();
        Assert.AreEqual(ProblemCodes.UnknownColumn, warning.Code);
        Assert.AreEqual("COLOUR", warning.Column);
        Assert.AreEqual(ProblemSeverity.Warning, warning.Severity);
        Assert.IsTrue(rows.Single().IsValid);
    }

    [TestMethod]
    public void Open_DropsPatientIdentifyingColumns_WithAPrivacyWarning_AndNeverReadsThem()
    {
        var text = Csv.AppointmentHeader + ",USER_FIRST_NAME,USER_DATE_OF_BIRTH\n" + Csv.Row() + ",Zacarías,01/02/1960\n";
        var report = Csv.Validate(text);

        Assert.IsTrue(report.IsValid);
        CollectionAssert.AreEquivalent(new[] { "USER_FIRST_NAME", "USER_DATE_OF_BIRTH" }, report.Warnings.Select(w => w.Column).ToArray());
        Assert.IsTrue(report.Warnings.All(w => w.Code == ProblemCodes.PrivacyColumn));
        Assert.IsFalse(report.Warnings.Any(w => w.Message.Contains("Zacarías", StringComparison.Ordinal) || w.Message.Contains("1960", StringComparison.Ordinal)));
        var rows = Csv.ReadAppointments(text);
        Assert.IsFalse(rows[0].Record.ToString().Contains("Zacarías", StringComparison.Ordinal), "no record member may carry the name");
    }

    [TestMethod]
    public void ReadRows_Fails_OnInvalidUtf8_NamingTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes(Csv.AppointmentHeader + "\n" + Csv.Row("A1") + "\n").ToList();
        bytes.AddRange(Encoding.UTF8.GetBytes("A2,24/11/2026,10:00,,,,DDS1,Dr "));
        bytes.AddRange(new byte[] { 0xC3, 0x28 });   // an invalid two-byte sequence
        bytes.AddRange(Encoding.UTF8.GetBytes(",,,,\n"));
        using var reader = ContractReader.OpenAppointments(new MemoryStream([.. bytes]), "bad.csv");

        var rows = new List<ContractRow<AppointmentRecord>>();
        var ex = Assert.ThrowsExactly<ContractFileException>(() =>
        {
            foreach (var row in reader.ReadRows())
            {
                rows.Add(row);
            }
        });
        Assert.AreEqual(ProblemCodes.InvalidUtf8, ex.Problem.Code);
        Assert.AreEqual(3, ex.Problem.Line);
        Assert.AreEqual("bad.csv", ex.Problem.File);
        Assert.HasCount(1, rows);
    }

    [TestMethod]
    public void Open_Fails_OnInvalidUtf8InTheHeader()
    {
        var bytes = Encoding.Latin1.GetBytes("APP_LÍD," + Csv.AppointmentHeader + "\n");
        var ex = Assert.ThrowsExactly<ContractFileException>(() => ContractReader.OpenAppointments(new MemoryStream(bytes), "h.csv"));

        Assert.AreEqual(ProblemCodes.InvalidUtf8, ex.Problem.Code);
        Assert.AreEqual(1, ex.Problem.Line);
    }

    [TestMethod]
    public void ReadRows_TranscodesWindows1252_WhenConfigured()
    {
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var bytes = Encoding.GetEncoding("windows-1252").GetBytes(Csv.AppointmentHeader + "\r\n" + Csv.Row(resourceName: "Dra. Núñez – Peña") + "\r\n");
        using var reader = ContractReader.OpenAppointments(new MemoryStream(bytes), "w.csv", new ContractReadOptions { Encoding = "windows-1252" });
        var row = reader.ReadRows().Single();

        Assert.AreEqual("Dra. Núñez – Peña", row.Record.ResourceName);
        Assert.AreEqual("windows-1252", reader.Dialect.Encoding);
    }

    [TestMethod]
    public void Open_Fails_OnAnUnknownEncodingName()
    {
        var ex = Assert.ThrowsExactly<ContractFileException>(() =>
            ContractReader.OpenAppointments(Csv.Utf8(Csv.AppointmentHeader), "e.csv", new ContractReadOptions { Encoding = "klingon-8" }));

        Assert.AreEqual(ProblemCodes.UnreadableFile, ex.Problem.Code);
        StringAssert.Contains(ex.Problem.Message, "klingon-8");
    }

    [TestMethod]
    public void ReadRows_Fails_OnAnUnterminatedQuote_NamingTheLine()
    {
        var text = Csv.AppointmentHeader + "\n" + Csv.Row("A1") + "\nA2,24/11/2026,10:00,,600123456,,DDS1,\"Dr X,,,,\n" + Csv.Row("A3") + "\n";
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(text), "q.csv", new ContractReadOptions { MaxRecordBytes = 4096 });

        var ex = Assert.ThrowsExactly<ContractFileException>(() => reader.ReadRows().ToList());
        Assert.IsTrue(ex.Problem.Code is ProblemCodes.MalformedCsv or ProblemCodes.RecordTooLarge, ex.Problem.ToString());
        Assert.AreEqual(3, ex.Problem.Line);
    }

    [TestMethod]
    public void ReadRows_ReportsFieldCountMismatch_AsARowError()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\n" + Csv.Row("A1") + ",extra\n" + Csv.Row("A2") + "\n");

        var problem = rows[0].Problems.Single(p => p.Code == ProblemCodes.FieldCount);
        Assert.AreEqual(2, problem.Line);
        StringAssert.Contains(problem.Message, "13 field(s)");
        Assert.IsTrue(rows[1].IsValid);
    }

    [TestMethod]
    public void ReadRows_ReportsDuplicateAppLid_OnTheLaterLine_NamingTheEarlierOne()
    {
        var rows = Csv.ReadAppointments(Csv.AppointmentHeader + "\n" + Csv.Row("A1") + "\n" + Csv.Row("A2") + "\n" + Csv.Row("A1") + "\n");

        Assert.IsTrue(rows[0].IsValid);
        Assert.IsTrue(rows[1].IsValid);
        var dup = rows[2].Problems.Single();
        Assert.AreEqual(ProblemCodes.DuplicateKey, dup.Code);
        Assert.AreEqual(4, dup.Line);
        Assert.AreEqual("APP_LID", dup.Column);
        StringAssert.Contains(dup.Message, "line 2");
    }

    [TestMethod]
    public void ReadRows_CanOnlyBeEnumeratedOnce()
    {
        using var reader = ContractReader.OpenAppointments(Csv.Utf8(Csv.AppointmentHeader + "\n" + Csv.Row()), "o.csv");
        _ = reader.ReadRows().ToList();

        Assert.ThrowsExactly<InvalidOperationException>(() => reader.ReadRows());
    }

    [TestMethod]
    public void Open_InfersTheKind_FromTheFileName_ThenFromTheHeader()
    {
        var status = "APP_LID,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,STATUS\nA1,,600123456,,DDS1,APPROVED\n";
        using (var byName = ContractReader.Open(Csv.Utf8(status), "STATUS_ACME-01_20261123T080000Z.csv"))
        {
            Assert.AreEqual(FileKind.Status, byName.Kind);
        }

        using (var byHeader = ContractReader.Open(Csv.Utf8(status), "whatever.csv"))
        {
            Assert.AreEqual(FileKind.Status, byHeader.Kind);
        }

        using var result = ContractReader.Open(Csv.Utf8("APP_LID,RESULT,MESSAGE\nA1,OK,\n"), "r.csv");
        Assert.AreEqual(FileKind.StatusResult, result.Kind);
        using var appointments = ContractReader.Open(Csv.Utf8(Csv.AppointmentHeader + "\n"), "a.csv");
        Assert.AreEqual(FileKind.Appointments, appointments.Kind);
    }

    [TestMethod]
    public void ReadRows_StreamsLargeFiles_WithoutReadingThemWhole()
    {
        // A non-seekable stream that produces rows on demand: the reader must not need the whole file.
        using var source = new GeneratedStream(Csv.AppointmentHeader + "\n", i => Csv.Row("A" + i) + "\n", rows: 200_000);
        using var reader = ContractReader.OpenAppointments(source, "big.csv");
        long count = 0;
        foreach (var row in reader.ReadRows())
        {
            count += row.IsValid ? 1 : 0;
        }

        Assert.AreEqual(200_000, count);
        Assert.IsLessThan(4 * 1024 * 1024, source.MaxRequest, "reads are buffered in small blocks");
    }

    /// <summary>A forward-only stream of a header and generated rows.</summary>
    private sealed class GeneratedStream(string header, Func<int, string> row, int rows) : Stream
    {
        private byte[] _pending = Encoding.UTF8.GetBytes(header);
        private int _offset;
        private int _next;

        public int MaxRequest { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            MaxRequest = Math.Max(MaxRequest, count);
            var written = 0;
            while (written < count)
            {
                if (_offset == _pending.Length)
                {
                    if (_next == rows)
                    {
                        break;
                    }

                    _pending = Encoding.UTF8.GetBytes(row(_next++));
                    _offset = 0;
                }

                var n = Math.Min(count - written, _pending.Length - _offset);
                Array.Copy(_pending, _offset, buffer, offset + written, n);
                _offset += n;
                written += n;
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
