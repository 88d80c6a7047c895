// SwiftPM needs one source file for a C target; the module is the header.
#include "CEpoll.h"
