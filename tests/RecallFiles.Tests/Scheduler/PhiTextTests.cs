using RecallFiles.Scheduler.Logging;

namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class PhiTextTests
{
    [TestMethod]
    [DataRow("mobile +44 7700 900395 unreachable", "mobile ***0395 unreachable")]
    [DataRow("landline (91) 555 9641.", "landline ***9641.")]
    [DataRow("0034 600 152 246", "***2246")]
    [DataRow("+34 600 109 836, next", "***9836, next")]
    [DataRow("phone:600111222", "phone:***1222")]
    [DataRow("call 600-111-222 now", "call ***1222 now")]
    [DataRow("tel 600.111.222", "tel ***1222")]
    [DataRow("short 0612345", "short ***2345")]
    [DataRow("bare 60011122", "bare ***1122")]
    [DataRow("e-mail cita_3067@example.org rejected", "e-mail c***@example.org rejected")]
    [DataRow("<recall+8262@mail.example.com>", "<r***@mail.example.com>")]
    [DataRow("jane.roe@nowhere", "j***@nowhere")]
    public void Mask_MasksPhonesAndEmails_AnywhereInText(string text, string expected) => Assert.AreEqual(expected, PhiText.Mask(text));

    [TestMethod]
    [DataRow("batch 12345 loaded 300 rows, 2 errors")]
    [DataRow("1000000 rows in 2.34 s (428000 rows/s)")]
    [DataRow("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [DataRow("sha256 1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef")]
    [DataRow("window [2026-11-23T08:00:00.0000000+00:00, 2026-11-26T08:00:00.0000000+00:00)")]
    [DataRow("at 2026-11-23 08:00:00.123 and 2026-11-23T08:00Z")]
    [DataRow("APP_DATE 23/11/2026 or 23.11.2026 or 2026/11/23")]
    [DataRow("APPOINTMENTS_DEMO-01_20261123T080000Z.csv uploaded")]
    [DataRow("/tmp/rf-agent-123456/data/agent/exports/DEMO-01/2026/11/23/file.csv")]
    [DataRow("sftp://acme01@sftp.example.com:2222/ACME-01 listed")]
    [DataRow("listening on 127.0.0.1:5080 and 10.0.14.255")]
    [DataRow("job 3f2504e0-4f89-11d3-9a0c-0305e82c3301 took 00:01:30.5")]
    [DataRow("pid 4242, port 22, version 10.0.14, exit code 2")]
    [DataRow("")]
    public void Mask_LeavesOrdinaryNumbersAlone(string text) => Assert.AreEqual(text, PhiText.Mask(text));
}
