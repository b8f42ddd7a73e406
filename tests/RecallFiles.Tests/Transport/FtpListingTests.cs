using RecallFiles.Transport.Internal;

namespace RecallFiles.Tests.Transport;

[TestClass]
public sealed class FtpListingTests
{
    [TestMethod]
    public void Parse_ReadsFilesAndSkipsFolders_ForUnixListing()
    {
        var now = new DateTime(2026, 1, 10, 12, 0, 0, DateTimeKind.Utc);
        var listing = "-rw-r--r--   1 root     root            6 Nov 23 11:51 a b.csv\r\n"
            + "drwxr-xr-x   2 root     root         4096 Jan 09 10:00 archive\r\n"
            + "-rw-r--r--   1 ftp ftp       1234 Jan 09 10:00 b.csv\r\n"
            + "-rw-r--r--   1 ftp ftp         99 Mar  1  2024 old.csv\r\n";

        var files = FtpListParser.Parse(listing, now);

        Assert.HasCount(3, files);
        Assert.AreEqual(new RecallFiles.Transport.RemoteFileInfo("a b.csv", 6, new DateTime(2025, 11, 23, 11, 51, 0, DateTimeKind.Utc)), files[0], "no year: last year when this year's date is in the future");
        Assert.AreEqual(new DateTime(2026, 1, 9, 10, 0, 0, DateTimeKind.Utc), files[1].LastWriteTimeUtc);
        Assert.AreEqual(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), files[2].LastWriteTimeUtc);
    }

    [TestMethod]
    public void Parse_ReadsFiles_ForDosListing()
    {
        var files = FtpListParser.Parse("11-23-26  11:51AM                 1234 APPOINTMENTS.csv\r\n11-23-26  11:51AM       <DIR>          archive\r\n", DateTime.UtcNow);

        Assert.AreEqual("APPOINTMENTS.csv", files.Single().Name);
        Assert.AreEqual(1234, files.Single().Size);
    }

    [TestMethod]
    public void ParseMlsd_ReadsExactSizeAndUtcTime_ForFilesOnly()
    {
        var files = FtpDropBox.ParseMlsd("type=file;size=42;modify=20261123115107.123;perm=r; name; with spaces.csv\r\ntype=dir;modify=20261123115107; sub\r\n");

        Assert.AreEqual(new RecallFiles.Transport.RemoteFileInfo("name; with spaces.csv", 42, new DateTime(2026, 11, 23, 11, 51, 7, DateTimeKind.Utc)), files.Single());
    }
}
