#pragma once
// jpeglib.h needs stdio.h (FILE, size_t) first.
#include <stdio.h>
#include <jpeglib.h>
