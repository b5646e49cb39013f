/* Never returns: a guest that loops forever, for the time limit. */
int main(void) {
    volatile unsigned long counter = 0;
    for (;;) counter++;
}
