/*
 * true - exit 0 at once.  The kernel's `user` suite spawns it a thousand
 * times to show that process creation and exit leak no frame.
 */
int main(void)
{
	return 0;
}
