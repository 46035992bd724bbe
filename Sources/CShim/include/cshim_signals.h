// A self-pipe for signals, so that a single-threaded poll loop can treat a signal as
// one more readable descriptor (ctrs: SIGWINCH, SIGTERM, SIGHUP, SIGINT).
#ifndef CSHIM_SIGNALS_H
#define CSHIM_SIGNALS_H

/// Creates a non-blocking, close-on-exec pipe and installs a handler for each of the
/// `count` signals in `signals` that writes the signal's number, as one byte, into it.
/// The signals are unblocked as well (a parent may have left them blocked). Returns the
/// pipe's reading end, or -1 with errno. Installing again replaces the
/// previous pipe's handlers but not the pipe, which the caller closes.
int cshim_signal_pipe_install(const int *signals, int count);

/// Puts back the default disposition of the `count` signals in `signals`.
void cshim_signal_pipe_restore(const int *signals, int count);

#endif
