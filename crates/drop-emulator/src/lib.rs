//! drop-emulator: work in progress.
