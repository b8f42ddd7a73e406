// Each benchmark is a verb: dotnet run -c Release --project bench/RecallFiles.Bench -- VERB [options]
if (args.Length > 0 && args[0] == "importer")
{
    return await RecallFiles.Bench.Importer.ImporterBench.RunAsync(args[1..]);
}

return 0;
