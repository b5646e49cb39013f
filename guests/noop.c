/* The no-op function: the smallest unit of work a platform can start. */
int main(void) { return 0; }
