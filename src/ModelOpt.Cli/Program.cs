using ModelOpt.Cli;

return CommandDispatcher.Run(args, Console.Out, Console.Error);
