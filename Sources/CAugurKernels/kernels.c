#include "augur_kernels.h"
