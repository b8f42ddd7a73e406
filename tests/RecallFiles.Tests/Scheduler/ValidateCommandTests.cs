using System.Text;
using System.Text.Json;
using RecallFiles.Scheduler.Cli;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class ValidateCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    private string WriteFile(string name, string text, Encoding? encoding = null)
    {
        var dir = Directory.CreateTempSubdirectory("rf-validate-").FullName;
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, (encoding ?? new UTF8Encoding(false)).GetBytes(text));
        TestContext.WriteLine(path);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await RecallFilesCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [TestMethod]
    public async Task Validate_ExitsZero_ForAValidFileWithWarnings()
    {
        var path = WriteFile("APPOINTMENTS_ACME_20261123T080000Z.csv",
            Schemas.Csv.AppointmentHeader + "\r\n" + Schemas.Csv.Row("A1") + "\r\n" + Schemas.Csv.Row("A2", mobile: "", email: "") + "\r\n");

        var (exit, output, _) = await Run("validate", path);

        Assert.AreEqual(0, exit);
        StringAssert.Contains(output, "VALID appointments: 2 row(s), 2 valid, 0 error(s), 1 warning(s)");
        StringAssert.Contains(output, "unreachable");
    }

    [TestMethod]
    public async Task Validate_ExitsOne_AndPrintsExactlyOneJsonObject_ForAnInvalidFile()
    {
        var path = WriteFile("some.csv",
            Schemas.Csv.AppointmentHeader + "\n" + Schemas.Csv.Row("A1", date: "31/02/2026", mobile: "+34 600 111 2233") + "\n" + Schemas.Csv.Row("A1") + "\n");

        var (exit, output, _) = await Run("validate", path, "--json");

        Assert.AreEqual(1, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.AreEqual("some.csv", root.GetProperty("file").GetString());
        Assert.AreEqual("appointments", root.GetProperty("kind").GetString());
        Assert.AreEqual(",", root.GetProperty("dialect").GetProperty("delimiter").GetString());
        Assert.AreEqual("utf-8", root.GetProperty("dialect").GetProperty("encoding").GetString());
        Assert.IsFalse(root.GetProperty("dialect").GetProperty("bom").GetBoolean());
        Assert.AreEqual("LF", root.GetProperty("dialect").GetProperty("newline").GetString());
        Assert.AreEqual(2, root.GetProperty("rows").GetInt64());
        Assert.AreEqual(0, root.GetProperty("validRows").GetInt64());
        var errors = root.GetProperty("errors").EnumerateArray().ToList();
        Assert.HasCount(2, errors);
        Assert.AreEqual(2, errors[0].GetProperty("line").GetInt64());
        Assert.AreEqual("APP_DATE", errors[0].GetProperty("column").GetString());
        Assert.AreEqual("date", errors[0].GetProperty("code").GetString());
        Assert.AreEqual(3, errors[1].GetProperty("line").GetInt64());
        Assert.AreEqual("duplicate-key", errors[1].GetProperty("code").GetString());
        Assert.AreEqual(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
        Assert.IsFalse(output.Contains("2233", StringComparison.Ordinal) && output.Contains("600 111", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Validate_ReportsFileErrors_WithANullColumn()
    {
        var path = WriteFile("broken.csv", "APP_LID,APP_DATE\nA1,24/11/2026\n");

        var (exit, output, _) = await Run("validate", path, "--json");

        Assert.AreEqual(1, exit);
        using var json = JsonDocument.Parse(output);
        var error = json.RootElement.GetProperty("errors").EnumerateArray().Single();
        Assert.AreEqual("missing-columns", error.GetProperty("code").GetString());
        Assert.AreEqual(JsonValueKind.Null, error.GetProperty("column").ValueKind);
        Assert.AreEqual(1, error.GetProperty("line").GetInt64());
    }

    [TestMethod]
    public async Task Validate_MasksPhonesAndEmails_InTheHumanReport()
    {
        var path = WriteFile("masked.csv",
            Schemas.Csv.AppointmentHeader + "\n" + Schemas.Csv.Row("A1", mobile: "600-CALL-9876", email: "jane.roe@nowhere") + "\n");

        var (exit, output, _) = await Run("validate", path);
        var (strictExit, strictOutput, _) = await Run("validate", path, "--strict-contacts");

        // Issue 15: by default the bad phone and e-mail are warnings (exit 0), with --strict-contacts errors (exit 1); masked either way.
        Assert.AreEqual((0, 1), (exit, strictExit));
        Assert.AreEqual(output.Contains("***9876", StringComparison.Ordinal), strictOutput.Contains("***9876", StringComparison.Ordinal));
        Assert.IsFalse(strictOutput.Contains("CALL", StringComparison.Ordinal) || strictOutput.Contains("jane.roe", StringComparison.Ordinal), strictOutput);
        StringAssert.Contains(output, "***9876");
        StringAssert.Contains(output, "j***@nowhere");
        Assert.IsFalse(output.Contains("CALL", StringComparison.Ordinal), output);
        Assert.IsFalse(output.Contains("jane.roe", StringComparison.Ordinal), output);
    }

    [TestMethod]
    public async Task Validate_UsesTheKindOption_OverTheHeader()
    {
        var path = WriteFile("x.csv", "APP_LID,RESULT,MESSAGE\nA1,OK,\n");

        var (exit, output, _) = await Run("validate", path, "--kind", "status", "--json");

        Assert.AreEqual(1, exit);
        StringAssert.Contains(output, "\"kind\":\"status\"");
        StringAssert.Contains(output, "missing-columns");
    }

    [TestMethod]
    public async Task Validate_ReadsALegacyEncoding_OnlyWhenAsked()
    {
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var path = WriteFile("w.csv", Schemas.Csv.AppointmentHeader + "\r\n" + Schemas.Csv.Row(resourceName: "Dra. Núñez") + "\r\n",
            Encoding.GetEncoding("windows-1252"));

        var strict = await Run("validate", path, "--json");
        var legacy = await Run("validate", path, "--json", "--encoding", "windows-1252");

        Assert.AreEqual(1, strict.Exit);
        StringAssert.Contains(strict.Out, "invalid-utf8");
        Assert.AreEqual(0, legacy.Exit, legacy.Out);
        StringAssert.Contains(legacy.Out, "\"encoding\":\"windows-1252\"");
    }

    [TestMethod]
    [DataRow("validate")]
    [DataRow("validate", "/no/such/file.csv")]
    [DataRow("validate", "FILE", "--kind", "invoices")]
    [DataRow("validate", "FILE", "--encoding", "klingon-8")]
    [DataRow("no-such-verb")]
    public async Task Validate_ExitsTwo_OnUsageErrorsAndUnreadableFiles(params string[] args)
    {
        var path = WriteFile("u.csv", Schemas.Csv.AppointmentHeader + "\n");
        var (exit, _, error) = await Run([.. args.Select(a => a == "FILE" ? path : a)]);

        Assert.AreEqual(2, exit);
        Assert.IsFalse(string.IsNullOrWhiteSpace(error));
    }
}
