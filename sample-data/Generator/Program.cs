using System.Globalization;
using RecallFiles.SampleData;

// dotnet run --project sample-data/Generator -- --out sample-data
//     regenerates every sample file and the malformed corpus (byte-identical on every run).
// dotnet run --project sample-data/Generator -- --rows 1000000 [--practice DEMO-01] --out FILE|FOLDER
//     streams one large valid appointment file for benchmarks.
const string Usage = """
    usage: RecallFiles.SampleData --out FOLDER
           RecallFiles.SampleData --rows N [--practice ID] --out FILE.csv|FOLDER
    """;

string? output = null, practice = null;
long? rows = null;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--out" when value is not null:
            output = value;
            i++;
            break;
        case "--practice" when value is not null:
            practice = value;
            i++;
            break;
        case "--rows" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n):
            rows = n;
            i++;
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        default:
            await Console.Error.WriteLineAsync($"unexpected argument '{args[i]}'\n{Usage}");
            return 2;
    }
}

if (output is null || (practice is not null && rows is null))
{
    await Console.Error.WriteLineAsync(Usage);
    return 2;
}

if (rows is { } count)
{
    var started = System.Diagnostics.Stopwatch.GetTimestamp();
    var path = BigFile.WriteFile(output, count, practice ?? DemoPractice.Id);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{path}: {count} rows, {new FileInfo(path).Length / 1048576.0:0.0} MiB in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
    return 0;
}

foreach (var file in SampleSet.Write(output))
{
    Console.WriteLine(file.Rows >= 0 ? $"{file.RelativePath} ({file.Rows} rows)" : file.RelativePath);
}

return 0;
