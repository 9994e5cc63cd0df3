/* Kernel headers live in include/. */
