// CGroveForest has no functions of its own: see include/CGroveForest.h.
#include "CGroveForest.h"
