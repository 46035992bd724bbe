// contaird-monitor: one small process per running container; see docs/monitor.md.
Monitor.main(Array(CommandLine.arguments.dropFirst()))
