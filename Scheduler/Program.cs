using RecallFiles.Scheduler.Cli;

return await RecallFilesCli.RunAsync(args, Console.Out, Console.Error);
