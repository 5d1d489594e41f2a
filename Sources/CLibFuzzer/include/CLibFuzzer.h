// libFuzzer's driver, for a program that keeps its own `main` (linked from libFuzzer's no-main
// runtime when built for fuzzing; see Package.swift).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
