// CGroveSys has only inline helpers (see include/CGroveSys.h); SwiftPM needs one C file per C target.
#include "CGroveSys.h"
