fn main() {
    carefront::start();
}
