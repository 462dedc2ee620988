#ifndef AUTHX_CDEFLATE_SHIM_H
#define AUTHX_CDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
