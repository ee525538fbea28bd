public enum GroveServerPlaceholder {}
