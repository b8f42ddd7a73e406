using System.Diagnostics;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Sources;
using RecallFiles.Schemas;
var practice = new PracticeExportOptions { PracticeId = "P", Source = SourceKind.GenericSql, Provider = SqlProvider.PostgreSql,
  ConnectionString = "Host=127.0.0.1;Port=54999;Username=postgres;Database=postgres", QueryFile = "/tmp/prof/pg.sql", TimeZone = "Europe/Madrid", DefaultCountryCode = "34" };
var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
var window = ExportWindow.Around(now, 24, 72, TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid"));
for (var round = 0; round < 3; round++) {
var sw = Stopwatch.StartNew();
var list = new List<SourceAppointment>(1_000_000);
await foreach (var a in new GenericSqlSource(practice).ReadAsync(window, default)) list.Add(a);
Console.WriteLine($"read {list.Count}: {sw.Elapsed.TotalSeconds:F2}s"); sw.Restart();
var mapper = new AppointmentMapper(practice, now);
var recs = new List<AppointmentRecord>(list.Count);
foreach (var a in list) if (mapper.Map(a, window) is { } r) recs.Add(r);
Console.WriteLine($"map: {sw.Elapsed.TotalSeconds:F2}s"); sw.Restart();
var checker = RecordChecker.ForAppointments("x.csv"); var problems = new List<ContractProblem>(); long line = 2;
foreach (var r in recs) { problems.Clear(); checker.Check(r, line++, problems); }
Console.WriteLine($"check: {sw.Elapsed.TotalSeconds:F2}s problems {problems.Count}"); sw.Restart();
}
