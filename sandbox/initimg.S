/*
 * The box's init (init.c), built as a static executable, carried inside
 * the supervisor as read-only data; start.c runs it from a sealed memfd.
 * The build passes the image's directory with -Wa,-I.
 */
	.section .rodata
	.balign 16
	.globl box_init_image
	.globl box_init_image_end
box_init_image:
	.incbin "ipcbox-init"
box_init_image_end:
	.section .note.GNU-stack, "", @progbits
